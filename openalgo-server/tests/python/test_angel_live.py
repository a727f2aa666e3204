"""The official `openalgo` client against our server in live mode with `BROKER=angel` on the
mock SmartAPI (started from MOCK_ANGEL_BIN): the admin signs in, posts Angel's credential form
(client code, PIN, TOTP) to `/angel/callback`, then the client places an order and reads the
order book, positions, funds and quotes, all answered from SmartAPI."""

import json
import os
import subprocess
from decimal import Decimal

import pytest
from openalgo import api

from conftest import _serve, broker_form_login

KEY = "angelkey"


@pytest.fixture(scope="module")
def mock():
    binary = os.environ.get("MOCK_ANGEL_BIN")
    if not binary:
        pytest.skip("MOCK_ANGEL_BIN is not set (scripts/python-client-tests sets it)")
    proc = subprocess.Popen([binary, KEY], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    yield info
    proc.stdin.close()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def angel_server(mock):
    yield from _serve({
        "BROKER": "angel",
        "BROKER_API_KEY": KEY,
        "ANGEL_API_URL": mock["rest"],
        "ANGEL_WS_URL": mock["ws"],
        "ANGEL_ORDER_WS_URL": mock["order_ws"],
        "ANGEL_MASTER_URL": mock["master"],
    })


def _post(opener, url, fields):
    data = urllib.parse.urlencode(fields).encode()
    try:
        return opener.open(urllib.request.Request(url, data=data, method="POST"))
    except urllib.error.HTTPError as e:  # a 302 the opener does not follow
        return e


@pytest.fixture(scope="module")
def client(angel_server, mock):
    host = angel_server["host"]
    r = broker_form_login(host, "angel", {"clientid": mock["client_code"], "pin": mock["pin"], "totp": mock["totp"]})
    assert (r.status, r.headers["Location"]) == (302, "/dashboard")
    return api(api_key=angel_server["key"], host=host)


def test_official_client_trades_through_angel(client):
    q = client.quotes(symbol="SBIN", exchange="NSE")
    assert q["status"] == "success", q
    ltp = Decimal(str(q["data"]["ltp"]))
    assert ltp > 0
    r = client.placeorder(strategy="Py", symbol="SBIN", action="BUY", exchange="NSE",
                          price_type="MARKET", product="MIS", quantity=2)
    assert r["status"] == "success", r
    oid = r["orderid"]
    book = client.orderbook()
    assert book["status"] == "success", book
    row = next(o for o in book["data"]["orders"] if o["orderid"] == oid)
    assert (row["symbol"], row["exchange"], row["product"], row["order_status"]) == \
        ("SBIN", "NSE", "MIS", "complete")
    assert Decimal(str(row["average_price"])) == ltp
    positions = client.positionbook()
    assert positions["status"] == "success", positions
    sbin = next(p for p in positions["data"] if p["symbol"] == "SBIN")
    assert int(sbin["quantity"]) == 2
    assert client.funds()["status"] == "success"


def test_angel_refusal_is_a_clean_error(client):
    r = client.placeorder(strategy="Py", symbol="NOSUCH", action="BUY", exchange="NSE",
                          price_type="MARKET", product="MIS", quantity=1)
    assert r["status"] == "error" and r["message"], r
