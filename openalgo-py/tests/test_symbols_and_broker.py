"""Symbol parsing, the instrument master (load, lookup, search, expiries, option chain), the
smart/split calculators and the server-less broker adapter."""

from datetime import date
from decimal import Decimal

import pytest

import openalgo_rs
from openalgo_rs import Broker, SymbolTable, parse_symbol, smart_order, split_order

TODAY = date(2026, 11, 25)

ROWS = [
    {"symbol": "NIFTY30DEC2626000CE", "brsymbol": "NIFTY26DEC26000CE", "name": "NIFTY", "exchange": "NFO",
     "brexchange": "NFO", "token": "1001", "expiry": "30-DEC-26", "strike": 26000.0, "lotsize": 75,
     "instrumenttype": "CE", "tick_size": 0.05},
    {"symbol": "NIFTY30DEC2626000PE", "brsymbol": "NIFTY26DEC26000PE", "name": "NIFTY", "exchange": "NFO",
     "brexchange": "NFO", "token": "1002", "expiry": "30-DEC-26", "strike": 26000.0, "lotsize": 75,
     "instrumenttype": "PE", "tick_size": 0.05},
    {"symbol": "NIFTY30DEC2626100CE", "brsymbol": "NIFTY26DEC26100CE", "name": "NIFTY", "exchange": "NFO",
     "brexchange": "NFO", "token": "1003", "expiry": "30-DEC-26", "strike": 26100.0, "lotsize": 75,
     "instrumenttype": "CE", "tick_size": 0.05},
    {"symbol": "SBIN", "brsymbol": "SBIN-EQ", "name": "STATE BANK OF INDIA", "exchange": "NSE",
     "brexchange": "NSE", "token": "3045", "expiry": "", "strike": -0.01, "lotsize": 1,
     "instrumenttype": "EQ", "tick_size": "0.05"},
]


def test_parse_symbol():
    assert parse_symbol("NIFTY30JAN2521500CE") == {
        "kind": "option", "underlying": "NIFTY", "expiry": date(2025, 1, 30),
        "strike": Decimal("21500"), "option_type": "CE", "symbol": "NIFTY30JAN2521500CE",
    }
    fut = parse_symbol("CRUDEOIL19DEC25FUT")
    assert fut["kind"] == "future" and fut["underlying"] == "CRUDEOIL" and fut["strike"] is None
    assert parse_symbol("RELIANCE")["kind"] == "plain"
    with pytest.raises(openalgo_rs.ValidationError):
        parse_symbol("NIFTY31FEB2521500CE")


def test_loaded_table_lookup_search_and_chain():
    t = SymbolTable(ROWS)
    assert len(t) == 4
    assert t.get("SBIN", "NSE")["token"] == "3045"
    assert t.get("SBIN", "BSE") is None
    assert t.by_broker_symbol("SBIN-EQ", "NSE")["symbol"] == "SBIN"
    assert t.by_token("1002", "NFO")["symbol"] == "NIFTY30DEC2626000PE"
    assert [r["symbol"] for r in t.search("NIFTY 26000")] == ["NIFTY30DEC2626000CE", "NIFTY30DEC2626000PE"]
    assert t.expiries("NIFTY", "NFO", today=TODAY) == ["30-DEC-26"]
    chain = t.option_chain("NIFTY", "NFO", "30-DEC-26")
    assert [c["strike"] for c in chain] == [Decimal("26000"), Decimal("26100")]
    assert chain[0]["CE"]["token"] == "1001" and chain[0]["PE"]["token"] == "1002"
    assert chain[1]["PE"] is None
    assert t.option("NIFTY", "NFO", "30DEC26", 26100, "CE")["token"] == "1003"
    with pytest.raises(openalgo_rs.ValidationError):
        SymbolTable([{"symbol": "X"}])
    with pytest.raises(openalgo_rs.ValidationError):
        t.get("SBIN", "NASDAQ")


def test_simulator_master():
    t = SymbolTable.simulator(TODAY)
    assert len(t) > 100
    futures = t.expiries("NIFTY", "NFO", kind="futures", today=TODAY)
    assert futures and all(len(e) == 9 for e in futures)
    assert t.option_chain("NIFTY", "NFO", t.expiries("NIFTY", "NFO", today=TODAY)[0])


@pytest.mark.parametrize("action,qty,target,current,want", [
    ("BUY", 100, 0, 0, ("BUY", 100)),
    ("BUY", 100, 100, -100, ("BUY", 200)),
    ("SELL", 100, -200, -100, ("SELL", 100)),
    ("BUY", 5, 0, 5, ("SELL", 5)),
    ("BUY", 1, "2.9", 0, ("BUY", 2)),
    ("BUY", 10, -30, 20, ("SELL", 50)),
])
def test_smart_order_table(action, qty, target, current, want):
    r = smart_order(action=action, quantity=qty, position_size=target, current=current)
    assert (r["action"], r["quantity"]) == want


def test_smart_order_no_action_messages():
    assert smart_order(action="BUY", quantity=100, position_size=100, current=100)["message"] == \
        "Positions Already Matched. No Action needed."
    r = smart_order(action="BUY", quantity=0, position_size=0, current=0, analyze=True)
    assert r["action"] is None and r["message"] == "No OpenPosition Found. Not placing Exit order."


def test_split_order():
    assert split_order(quantity=105, splitsize=20) == [20, 20, 20, 20, 20, 5]
    assert split_order(quantity="15", splitsize=20) == [15]
    with pytest.raises(openalgo_rs.ValidationError, match="maximum limit of 100"):
        split_order(quantity=1001, splitsize=10)
    with pytest.raises(openalgo_rs.ValidationError):
        split_order(quantity=10, splitsize=0)


def test_simulator_broker_without_a_server():
    b = Broker("simulator", capital="500000")
    assert b.name == "simulator"
    q = b.quotes(symbol="SBIN", exchange="NSE")
    assert q["status"] == "success" and isinstance(q["data"]["ltp"], Decimal) and q["data"]["ltp"] > 0
    placed = b.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=2)
    oid = placed["orderid"]
    status = b.orderstatus(order_id=oid)["data"]
    assert status["order_status"] == "complete" and status["quantity"] == 2
    assert any(o["orderid"] == oid for o in b.orderbook()["data"]["orders"])
    assert b.openposition(symbol="SBIN", exchange="NSE", product="MIS")["quantity"] == 2
    f = b.funds()["data"]
    assert f["availablecash"] < Decimal("500000") and isinstance(f["utiliseddebits"], Decimal)
    limit = b.placeorder(symbol="INFY", action="BUY", exchange="NSE", price_type="LIMIT", quantity=1, price="1")
    assert b.modifyorder(order_id=limit["orderid"], symbol="INFY", action="BUY", exchange="NSE",
                         product="MIS", quantity=3, price="1.05")["orderid"] == limit["orderid"]
    assert b.cancelorder(order_id=limit["orderid"])["orderid"] == limit["orderid"]
    smart = b.placesmartorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=1, position_size=2)
    assert smart == {"status": "success", "message": "Positions Already Matched. No Action needed."}
    candles = b.history(symbol="SBIN", exchange="NSE", interval="D", start_date=date(2025, 1, 1),
                        end_date=date(2025, 1, 31))["data"]
    assert candles and isinstance(candles[0]["close"], Decimal)
    with pytest.raises(openalgo_rs.SymbolNotFoundError):
        b.placeorder(symbol="NOSUCH", action="BUY", exchange="NSE")
    with pytest.raises(openalgo_rs.NotFoundError):
        b.cancelorder(order_id="99999999999999")
    b.closeposition()
    assert b.openposition(symbol="SBIN", exchange="NSE", product="MIS")["quantity"] == 0


def test_unknown_broker():
    with pytest.raises(openalgo_rs.UnsupportedError, match="unknown broker"):
        Broker("nosuchbroker")
