"""The official `openalgo` Python client (1.0.47 or 2.x, whichever is installed) against our
server, unchanged: the compatibility success test."""

import pandas as pd
import pytest
from openalgo import api


@pytest.fixture(scope="module")
def client(server):
    return api(api_key=server["key"], host=server["host"])


def test_quotes_and_depth(client):
    q = client.quotes(symbol="SBIN", exchange="NSE")
    assert q["status"] == "success", q
    assert q["data"]["bid"] < q["data"]["ask"]
    d = client.depth(symbol="NIFTY", exchange="NSE_INDEX")
    assert d["status"] == "success" and len(d["data"]["bids"]) == 5


def test_orders_and_books(client):
    r = client.placeorder(strategy="Py", symbol="SBIN", action="BUY", exchange="NSE",
                          price_type="MARKET", product="CNC", quantity=5)
    assert r["status"] == "success", r
    oid = r["orderid"]
    s = client.orderstatus(order_id=oid, strategy="Py")
    assert s["data"]["order_status"] == "complete"
    assert client.funds()["status"] == "success"
    book = client.orderbook()
    assert any(o["orderid"] == oid for o in book["data"]["orders"])
    assert client.tradebook()["status"] == "success"
    assert any(p["symbol"] == "SBIN" for p in client.positionbook()["data"])
    assert client.holdings()["status"] == "success"


def test_smart_split_basket_and_exits(client):
    r = client.placesmartorder(strategy="Py", symbol="ITC", action="BUY", exchange="NSE",
                               price_type="MARKET", product="MIS", quantity=1, position_size=3)
    assert r["status"] == "success", r
    pos = client.openposition(strategy="Py", symbol="ITC", exchange="NSE", product="MIS")
    assert int(pos["quantity"]) == 3
    r = client.splitorder(strategy="Py", symbol="ITC", action="SELL", exchange="NSE", quantity=7,
                          splitsize=3, price_type="MARKET", product="MIS")
    assert [x["quantity"] for x in r["results"]] == [3, 3, 1]
    r = client.basketorder(strategy="Py", orders=[
        {"symbol": "TCS", "exchange": "NSE", "action": "BUY", "quantity": 1, "pricetype": "MARKET", "product": "MIS"},
        {"symbol": "INFY", "exchange": "NSE", "action": "SELL", "quantity": 1, "pricetype": "MARKET", "product": "MIS"},
    ])
    assert [x["symbol"] for x in r["results"]] == ["TCS", "INFY"]
    lim = client.placeorder(strategy="Py", symbol="SBIN", action="BUY", exchange="NSE",
                            price_type="LIMIT", product="MIS", quantity=1, price=1)
    m = client.modifyorder(order_id=lim["orderid"], strategy="Py", symbol="SBIN", action="BUY",
                           exchange="NSE", price_type="LIMIT", product="MIS", quantity=2, price=2)
    assert m["status"] == "success", m
    c = client.cancelorder(order_id=lim["orderid"], strategy="Py")
    assert c["status"] == "success", c
    assert client.cancelallorder(strategy="Py")["status"] == "success"
    assert client.closeposition(strategy="Py")["status"] == "success"


def test_history_is_a_dataframe(client):
    df = client.history(symbol="SBIN", exchange="NSE", interval="5m",
                        start_date="2026-11-23", end_date="2026-11-24")
    assert isinstance(df, pd.DataFrame), df
    assert list(df.columns[:5]) == ["close", "high", "low", "oi", "open"] or {"open", "high", "low", "close"} <= set(df.columns)
    assert len(df) == 576


def test_symbol_services(client):
    assert client.search(query="RELIANCE")["data"][0]["symbol"] == "RELIANCE"
    e = client.expiry(symbol="NIFTY", exchange="NFO", instrumenttype="options")
    assert e["status"] == "success" and len(e["data"]) == 2
    s = client.symbol(symbol="SBIN", exchange="NSE")
    assert s["data"]["lotsize"] == 1
    assert client.intervals()["data"]["days"] == ["D"]


def test_bad_key_is_refused(server):
    bad = api(api_key="0" * 64, host=server["host"])
    r = bad.funds()
    assert r["status"] == "error" and r.get("code") == 403


def test_zz_analyzer_mode(client):
    assert client.analyzerstatus()["data"]["analyze_mode"] is False
    on = client.analyzertoggle(mode=True)
    assert on["data"]["mode"] == "analyze", on
    try:
        r = client.placeorder(strategy="Py", symbol="SBIN", action="BUY", exchange="NSE",
                              price_type="MARKET", product="MIS", quantity=1)
        assert r["status"] == "success" and r["mode"] == "analyze", r
        assert client.positionbook()["mode"] == "analyze"
    finally:
        off = client.analyzertoggle(mode=False)
    assert off["data"]["analyze_mode"] is False


def test_margin(client):
    r = client.margin(positions=[{"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 10,
                                  "product": "MIS", "pricetype": "LIMIT", "price": 800}])
    assert r["status"] == "success", r
    assert r["data"]["total_margin_required"] == 1600.0


def test_market_calendar(client):
    if not hasattr(client, "holidays"):
        pytest.skip("this client version has no market-calendar methods")
    h = client.holidays(year=2026)
    assert h["status"] == "success" and h["year"] == 2026, h
    assert h["data"][0]["date"] == "2026-01-26"
    t = client.timings(date="2026-03-03")
    assert t["status"] == "success" and [s["exchange"] for s in t["data"]] == ["MCX"], t
