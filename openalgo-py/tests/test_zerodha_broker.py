"""`openalgo_rs.Broker("zerodha", ...)` against the mock Kite (the adapter's own test double,
started from MOCK_KITE_BIN): login by request_token, the instrument master downloaded, orders and
quotes through the `api` method names, and Kite's refusals as the exception hierarchy."""

import json
import os
import subprocess
from decimal import Decimal

import pytest

import openalgo_rs
from openalgo_rs import Broker

KEY, SECRET = "kitekey123", "secret789"


@pytest.fixture(scope="module")
def mock():
    binary = os.environ.get("MOCK_KITE_BIN")
    if not binary:
        pytest.skip("MOCK_KITE_BIN is not set (scripts/python-client-tests sets it)")
    proc = subprocess.Popen([binary, KEY, SECRET], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    yield info
    proc.stdin.close()
    proc.wait(timeout=10)


def test_zerodha_broker_logs_in_and_trades_on_the_mock(mock):
    b = Broker("zerodha", api_key=KEY, api_secret=SECRET, request_token=mock["request_token"],
               rest_url=mock["rest"], ws_url=mock["ws"])
    assert b.name == "zerodha"
    q = b.quotes(symbol="INFY", exchange="NSE")["data"]
    assert isinstance(q["ltp"], Decimal) and q["ltp"] > 0
    placed = b.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=1, product="MIS")
    assert placed["status"] == "success"
    oid = placed["orderid"]
    assert any(o["orderid"] == oid for o in b.orderbook()["data"]["orders"])
    assert b.orderstatus(order_id=oid)["data"]["order_status"] == "complete"
    with pytest.raises(openalgo_rs.SymbolNotFoundError):
        b.placeorder(symbol="NOSUCH", action="BUY", exchange="NSE", quantity=1)


def test_zerodha_refusals_raise(mock):
    with pytest.raises(openalgo_rs.AuthError):
        Broker("zerodha", api_key=KEY, api_secret=SECRET, access_token="not-a-token",
               rest_url=mock["rest"], ws_url=mock["ws"])
    with pytest.raises(openalgo_rs.ValidationError, match="request_token"):
        Broker("zerodha", api_key=KEY, api_secret=SECRET, rest_url=mock["rest"])
