"""schemathesis hooks for scripts/api-fuzz.

`Idempotency-Key` means "the same logical request": the server answers a repeated key with the
first answer (and refuses it, 422, with another body). Generated data repeats values on purpose, so a
documented key (a UUID) is replaced by a fresh one before each call; a schema-invalid key is
left as generated, so the server's refusal of it is still checked.
"""

import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if key is None:
        return
    try:
        uuid.UUID(key)
    except (TypeError, ValueError, AttributeError):
        return
    headers["Idempotency-Key"] = str(uuid.uuid4())
