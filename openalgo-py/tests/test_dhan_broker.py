"""`openalgo_rs.Broker("dhan", ...)` against the mock DhanHQ (the adapter's own test double,
started from MOCK_DHAN_BIN): login with the client id and an access token, the scrip master
downloaded, orders and quotes through the `api` method names, and Dhan's refusals as the
exception hierarchy."""

import json
import os
import subprocess
from decimal import Decimal

import pytest

import openalgo_rs
from openalgo_rs import Broker

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


def hosts(mock):
    return dict(rest_url=mock["rest"], ws_url=mock["ws"], order_ws_url=mock["order_ws"],
                master_url=mock["master"])


def test_dhan_broker_logs_in_and_trades_on_the_mock(mock):
    b = Broker("dhan", client_id=CLIENT, access_token=mock["access_token"], **hosts(mock))
    assert b.name == "dhan"
    q = b.quotes(symbol="INFY", exchange="NSE")["data"]
    assert isinstance(q["ltp"], Decimal) and q["ltp"] == Decimal("1573.15")
    placed = b.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=1, product="MIS")
    assert placed["status"] == "success"
    oid = placed["orderid"]
    row = next(o for o in b.orderbook()["data"]["orders"] if o["orderid"] == oid)
    assert (row["symbol"], row["exchange"], row["product"]) == ("SBIN", "NSE", "MIS")
    assert b.orderstatus(order_id=oid)["data"]["order_status"] == "complete"
    limit = b.placeorder(symbol="INFY", action="SELL", exchange="NSE", quantity=5, product="CNC",
                         price_type="LIMIT", price="1580.05")
    status = b.orderstatus(order_id=limit["orderid"])["data"]
    assert status["price"] == Decimal("1580.05")
    with pytest.raises(openalgo_rs.SymbolNotFoundError):
        b.placeorder(symbol="NOSUCH", action="BUY", exchange="NSE", quantity=1)


def test_dhan_refusals_raise(mock):
    with pytest.raises(openalgo_rs.AuthError):
        Broker("dhan", client_id=CLIENT, access_token="not-a-token", **hosts(mock))
    with pytest.raises(openalgo_rs.ValidationError, match="access_token"):
        Broker("dhan", client_id=CLIENT, **hosts(mock))
    with pytest.raises(openalgo_rs.ValidationError, match="client_id"):
        Broker("dhan", access_token=mock["access_token"], **hosts(mock))
