"""The official `openalgo` client against our server in live mode with `BROKER=dhan` on the mock
DhanHQ (started from MOCK_DHAN_BIN): the admin signs in, posts Dhan's credential form to
`/dhan/callback`, then the client places an order and reads the order book, positions and
quotes, all answered from Dhan."""

import json
import os
import subprocess
from decimal import Decimal

import pytest
from openalgo import api

from conftest import _serve, broker_form_login

CLIENT = "1000000001"


@pytest.fixture(scope="module")
def mock():
    binary = os.environ.get("MOCK_DHAN_BIN")
    if not binary:
        pytest.skip("MOCK_DHAN_BIN is not set (scripts/python-client-tests sets it)")
    proc = subprocess.Popen([binary, CLIENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    yield info
    proc.stdin.close()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def dhan_server(mock):
    yield from _serve({
        "BROKER": "dhan",
        "BROKER_API_KEY": CLIENT,
        "DHAN_API_URL": mock["rest"],
        "DHAN_AUTH_URL": mock["auth"],
        "DHAN_WS_URL": mock["ws"],
        "DHAN_ORDER_WS_URL": mock["order_ws"],
        "DHAN_MASTER_URL": mock["master"],
    })


def _post(opener, url, fields):
    data = urllib.parse.urlencode(fields).encode()
    try:
        return opener.open(urllib.request.Request(url, data=data, method="POST"))
    except urllib.error.HTTPError as e:  # a 302 the opener does not follow
        return e


@pytest.fixture(scope="module")
def client(dhan_server, mock):
    host = dhan_server["host"]
    r = broker_form_login(host, "dhan", {"client_id": CLIENT, "access_token": mock["access_token"]})
    assert (r.status, r.headers["Location"]) == (302, "/dashboard")
    return api(api_key=dhan_server["key"], host=host)


def test_official_client_trades_through_dhan(client):
    q = client.quotes(symbol="INFY", exchange="NSE")
    assert q["status"] == "success", q
    assert Decimal(str(q["data"]["ltp"])) == Decimal("1573.15")
    r = client.placeorder(strategy="Py", symbol="SBIN", action="BUY", exchange="NSE",
                          price_type="MARKET", product="MIS", quantity=2)
    assert r["status"] == "success", r
    oid = r["orderid"]
    book = client.orderbook()
    assert book["status"] == "success", book
    row = next(o for o in book["data"]["orders"] if o["orderid"] == oid)
    assert (row["symbol"], row["exchange"], row["product"], row["order_status"]) == \
        ("SBIN", "NSE", "MIS", "complete")
    assert Decimal(str(row["average_price"])) == Decimal("812.35")
    positions = client.positionbook()
    assert positions["status"] == "success", positions
    sbin = next(p for p in positions["data"] if p["symbol"] == "SBIN")
    assert int(sbin["quantity"]) == 2
    assert client.funds()["status"] == "success"


def test_dhan_refusal_is_a_clean_error(client):
    r = client.placeorder(strategy="Py", symbol="NOSUCH", action="BUY", exchange="NSE",
                          price_type="MARKET", product="MIS", quantity=1)
    assert r["status"] == "error" and r["message"], r
