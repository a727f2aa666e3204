"""`openalgo_rs.Broker("angel", ...)` against the mock SmartAPI (the adapter's own test double,
started from MOCK_ANGEL_BIN): login by client code + PIN + TOTP, the scrip master downloaded,
orders and quotes through the `api` method names, and SmartAPI's refusals as the exception
hierarchy."""

import json
import os
import subprocess
from decimal import Decimal

import pytest

import openalgo_rs
from openalgo_rs import Broker

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


def angel(mock, **over):
    args = dict(api_key=KEY, client_code=mock["client_code"], pin=mock["pin"], totp=mock["totp"],
                rest_url=mock["rest"], ws_url=mock["ws"], master_url=mock["master"])
    args.update(over)
    return Broker("angel", **args)


def test_angel_broker_logs_in_and_trades_on_the_mock(mock):
    b = angel(mock)
    assert b.name == "angel"
    q = b.quotes(symbol="SBIN", exchange="NSE")["data"]
    assert isinstance(q["ltp"], Decimal) and q["ltp"] > 0
    placed = b.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=1, product="MIS")
    assert placed["status"] == "success"
    oid = placed["orderid"]
    assert any(o["orderid"] == oid for o in b.orderbook()["data"]["orders"])
    with pytest.raises(openalgo_rs.SymbolNotFoundError):
        b.placeorder(symbol="NOSUCH", action="BUY", exchange="NSE", quantity=1)


def test_angel_refusals_raise(mock):
    with pytest.raises(openalgo_rs.AuthError):
        angel(mock, pin="0000")
    with pytest.raises(openalgo_rs.ValidationError, match="totp"):
        Broker("angel", api_key=KEY, client_code=mock["client_code"], pin=mock["pin"],
               rest_url=mock["rest"])
