"""The OpenAPI document validates against the OpenAPI 3.0 schema (openapi-spec-validator)."""

import json
import urllib.request

from openapi_spec_validator import validate


def test_openapi_document_is_valid(server):
    with urllib.request.urlopen(server["host"] + "/api/v1/openapi.json") as r:
        doc = json.load(r)
    validate(doc)
    assert "/placeorder" in doc["paths"]
