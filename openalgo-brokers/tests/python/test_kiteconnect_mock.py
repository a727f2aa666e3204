"""Fidelity of the mock Kite: Zerodha's official `kiteconnect` client (PyPI) talks to it for
every call the adapter makes (session, orders, books, portfolio, margins, quotes, history,
instruments) and reads ticks from its binary ticker. Run by scripts/kiteconnect-fidelity."""

import datetime
import json
import os
import subprocess
import threading

import pytest
from kiteconnect import KiteConnect, KiteTicker, exceptions

KEY, SECRET = "kitekey123", "secret789"


@pytest.fixture(scope="module")
def mock():
    proc = subprocess.Popen(
        [os.environ["MOCK_KITE_BIN"], KEY, SECRET],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    info = json.loads(proc.stdout.readline())
    yield info
    proc.stdin.close()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def kite(mock):
    k = KiteConnect(api_key=KEY, root=mock["rest"])
    session = k.generate_session(mock["request_token"], api_secret=SECRET)
    assert session["user_id"] == "AB1234"
    k.set_access_token(session["access_token"])
    k.test_access_token = session["access_token"]
    return k


def test_orders_round_trip(kite):
    oid = kite.place_order(
        variety=kite.VARIETY_REGULAR, exchange="NSE", tradingsymbol="SBIN",
        transaction_type="BUY", quantity=1, product="MIS", order_type="MARKET",
        price=0.0, trigger_price=0.0, disclosed_quantity=0, validity="DAY",
        market_protection=-1, tag="openalgo",
    )
    orders = {o["order_id"]: o for o in kite.orders()}
    assert orders[oid]["status"] == "COMPLETE"
    assert orders[oid]["average_price"] == 812.35
    # The SDK parses the documented timestamp format into datetimes.
    assert orders[oid]["order_timestamp"].year >= 2026

    lim = kite.place_order(
        variety="regular", exchange="NSE", tradingsymbol="INFY", transaction_type="BUY",
        quantity=1, product="CNC", order_type="LIMIT", price=1000.0, trigger_price=0.0,
        disclosed_quantity=0, validity="DAY", market_protection=-1, tag="openalgo",
    )
    assert kite.modify_order(variety="regular", order_id=lim, quantity=2, price=1001.5,
                             order_type="LIMIT", validity="DAY", disclosed_quantity=0) == lim
    assert kite.cancel_order(variety="regular", order_id=lim) == lim
    states = {o["order_id"]: o["status"] for o in kite.orders()}
    assert states[lim] == "CANCELLED"
    with pytest.raises(exceptions.OrderException):
        kite.cancel_order(variety="regular", order_id=lim)

    trades = kite.trades()
    assert trades[0]["order_id"] == oid and trades[0]["quantity"] == 1
    net = kite.positions()["net"]
    assert net[0]["tradingsymbol"] == "SBIN" and net[0]["quantity"] == 1
    holdings = kite.holdings()
    assert holdings[0]["tradingsymbol"] == "INFY"


def test_gtt_place_modify_get_list_delete(kite):
    orders = [{"transaction_type": "BUY", "quantity": 2, "order_type": "LIMIT", "product": "CNC",
               "price": 701.0}]
    tid = kite.place_gtt(trigger_type=kite.GTT_TYPE_SINGLE, tradingsymbol="SBIN", exchange="NSE",
                         trigger_values=[700.5], last_price=812.35, orders=orders)["trigger_id"]
    g = kite.get_gtt(tid)
    assert g["id"] == tid and g["type"] == "single" and g["status"] == "active"
    assert g["condition"]["trigger_values"] == [700.5]
    assert g["condition"]["tradingsymbol"] == "SBIN"
    assert g["orders"][0]["exchange"] == "NSE" and g["orders"][0]["quantity"] == 2
    # Timestamps in the documented format (the SDK leaves GTT times as text).
    created = datetime.datetime.strptime(g["created_at"], "%Y-%m-%d %H:%M:%S")
    assert datetime.datetime.strptime(g["expires_at"], "%Y-%m-%d %H:%M:%S") > created

    legs = [{"transaction_type": "SELL", "quantity": 1, "order_type": "LIMIT", "product": "CNC",
             "price": p} for p in (749.0, 901.0)]
    oco = kite.place_gtt(trigger_type=kite.GTT_TYPE_OCO, tradingsymbol="SBIN", exchange="NSE",
                         trigger_values=[750.0, 900.0], last_price=812.35, orders=legs)["trigger_id"]
    assert {t["id"] for t in kite.get_gtts()} >= {tid, oco}

    orders[0]["quantity"] = 5
    r = kite.modify_gtt(trigger_id=tid, trigger_type="single", tradingsymbol="SBIN", exchange="NSE",
                        trigger_values=[699.0], last_price=812.35, orders=orders)
    assert r["trigger_id"] == tid
    g = kite.get_gtt(tid)
    assert g["orders"][0]["quantity"] == 5 and g["condition"]["trigger_values"] == [699.0]

    assert kite.delete_gtt(tid)["trigger_id"] == tid
    assert kite.get_gtt(tid)["status"] == "deleted"
    with pytest.raises(exceptions.InputException):
        kite.delete_gtt(tid)
    with pytest.raises(exceptions.InputException):
        kite.place_gtt(trigger_type="single", tradingsymbol="NOPE", exchange="NSE",
                       trigger_values=[1.0], last_price=1.0, orders=orders)
    assert kite.delete_gtt(oco)["trigger_id"] == oco


def test_account_and_market_data(kite):
    m = kite.margins()
    assert m["equity"]["utilised"]["debits"] == 275.5
    q = kite.quote(["NSE:NIFTY 50", "NSE:INFY", "NSE:NOPE"])
    assert set(q) == {"NSE:NIFTY 50", "NSE:INFY"}
    assert q["NSE:INFY"]["last_price"] == 1573.15
    assert len(q["NSE:INFY"]["depth"]["buy"]) == 5
    assert kite.ltp("CDS:USDINR30DECFUT")["CDS:USDINR30DECFUT"]["last_price"] == 83.2525
    candles = kite.historical_data(408065, "2026-01-05 00:00:00", "2026-01-05 23:59:59", "5minute", oi=True)
    assert len(candles) == 75 and candles[0]["date"].hour == 9 and "oi" in candles[0]
    rows = kite.instruments()
    infy = next(r for r in rows if r["tradingsymbol"] == "INFY")
    assert infy["instrument_token"] == 408065 and infy["exchange_token"] == "1594"
    fut = next(r for r in rows if r["tradingsymbol"] == "NIFTY30DECFUT")
    assert fut["expiry"].isoformat() == "2030-12-26" and fut["lot_size"] == 75


def test_errors_are_the_sdk_exceptions(mock):
    bad = KiteConnect(api_key=KEY, root=mock["rest"])
    bad.set_access_token("not-a-token")
    with pytest.raises(exceptions.TokenException):
        bad.orders()
    with pytest.raises(exceptions.TokenException):
        bad.generate_session("forged", api_secret=SECRET)


def test_ticker_packets_decode_in_the_sdk(kite, mock):
    ticks, done = [], threading.Event()
    kws = KiteTicker(KEY, kite.test_access_token, root=mock["ws"] + "/")

    def on_ticks(ws, batch):
        ticks.extend(batch)
        modes = {t["instrument_token"]: t["mode"] for t in ticks}
        if modes.get(408065) == "full" and modes.get(256265) == "quote" and 2048259 in modes:
            done.set()
            ws.close()

    def on_connect(ws, response):
        ws.subscribe([408065, 256265, 2048259])
        ws.set_mode(ws.MODE_FULL, [408065])
        ws.set_mode(ws.MODE_QUOTE, [256265, 2048259])

    kws.on_ticks = on_ticks
    kws.on_connect = on_connect
    kws.connect(threaded=True)
    assert done.wait(20), f"ticks seen: {ticks[:3]}"
    by_token = {t["instrument_token"]: t for t in ticks}
    infy = by_token[408065]
    assert infy["last_price"] == 1573.15 and infy["tradable"]
    assert len(infy["depth"]["buy"]) == 5 and infy["depth"]["buy"][0]["price"] == 1573.1
    nifty = by_token[256265]
    assert nifty["last_price"] == 24500.55 and not nifty["tradable"]
    assert nifty["ohlc"]["close"] == 24500.45
    # CDS prices use the 10^7 divisor.
    assert by_token[2048259]["last_price"] == 83.2525
