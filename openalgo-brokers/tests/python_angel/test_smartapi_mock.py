"""Fidelity of the mock SmartAPI: Angel One's official `smartapi-python` client (PyPI) talks to
it for every call the adapter makes (login + profile, orders, books, portfolio, RMS, market-data
quotes, candles, the public master) and its SmartWebSocketV2 parser reads the mock's binary
packets, both parsed directly and over a live connection. Run by scripts/smartapi-fidelity."""

import json
import os
import subprocess
import threading
import time
import urllib.request

import pytest
import requests

# The SDK looks up the machine's public IP (a network call) when its module is imported: the
# tests never reach the network, so that lookup fails at once and the SDK falls back to its
# constants.
_real_get = requests.get


def _offline_get(*args, **kwargs):
    raise OSError("no network in the fidelity tests")


requests.get = _offline_get
from SmartApi import SmartConnect  # noqa: E402
from SmartApi.smartWebSocketV2 import SmartWebSocketV2  # noqa: E402
from SmartApi.smartWebSocketOrderUpdate import SmartWebSocketOrderUpdate  # noqa: E402

requests.get = _real_get

KEY = "angelkey"


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    # The SDK writes a logs/ folder into the working directory.
    os.chdir(tmp_path_factory.mktemp("smartapi"))
    proc = subprocess.Popen(
        [os.environ["MOCK_ANGEL_BIN"], KEY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    info = json.loads(proc.stdout.readline())
    yield info
    proc.stdin.close()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def api(mock):
    s = SmartConnect(api_key=KEY, root=mock["rest"])
    session = s.generateSession(mock["client_code"], mock["pin"], mock["totp"])
    assert session["status"] is True, session
    assert session["data"]["clientcode"] == mock["client_code"]
    assert session["data"]["jwtToken"].startswith("Bearer ")
    assert session["data"]["feedToken"]
    s.test_feed_token = session["data"]["feedToken"]
    return s


def test_login_refusal_is_an_envelope(mock):
    s = SmartConnect(api_key=KEY, root=mock["rest"])
    bad = s.generateSession(mock["client_code"], mock["pin"], "000000")
    assert bad["status"] is False and bad["errorcode"] == "AB1050"
    assert bad["data"] is None


def test_orders_round_trip(api):
    base = {
        "variety": "NORMAL", "tradingsymbol": "SBIN-EQ", "symboltoken": "3045",
        "transactiontype": "BUY", "exchange": "NSE", "ordertype": "MARKET",
        "producttype": "INTRADAY", "duration": "DAY", "price": "0", "triggerprice": "0",
        "squareoff": "0", "stoploss": "0", "quantity": "2", "disclosedquantity": "0",
    }
    oid = api.placeOrder(dict(base))
    assert oid and oid.isdigit()
    full = api.placeOrderFullResponse(dict(base, ordertype="LIMIT", price="700",
                                           transactiontype="BUY", quantity="1"))
    assert full["status"] is True and full["data"]["script"] == "SBIN-EQ"
    lim = full["data"]["orderid"]

    book = {o["orderid"]: o for o in api.orderBook()["data"]}
    assert book[oid]["status"] == "complete"
    assert float(book[oid]["averageprice"]) == 812.35
    assert book[lim]["status"] == "open" and book[lim]["ordertype"] == "LIMIT"

    mod = api.modifyOrder({
        "variety": "NORMAL", "orderid": lim, "ordertype": "LIMIT", "producttype": "INTRADAY",
        "duration": "DAY", "price": "705", "quantity": "3", "tradingsymbol": "SBIN-EQ",
        "symboltoken": "3045", "exchange": "NSE", "triggerprice": "0", "disclosedquantity": "0",
    })
    assert mod["status"] is True and mod["data"]["orderid"] == lim
    assert api.cancelOrder(lim, "NORMAL")["status"] is True
    again = api.cancelOrder(lim, "NORMAL")
    assert again["status"] is False and again["errorcode"] == "AB4012"
    book = {o["orderid"]: o for o in api.orderBook()["data"]}
    assert book[lim]["status"] == "cancelled" and book[lim]["quantity"] == "3"

    trades = api.tradeBook()["data"]
    assert trades[0]["orderid"] == oid and trades[0]["fillsize"] == "2"
    positions = api.position()["data"]
    assert positions[0]["tradingsymbol"] == "SBIN-EQ" and positions[0]["netqty"] == "2"
    holdings = api.allholding()["data"]
    assert holdings["holdings"][0]["tradingsymbol"] == "INFY-EQ"
    assert "totalprofitandloss" in holdings["totalholding"]


def test_account_and_market_data(api):
    rms = api.rmsLimit()["data"]
    assert rms["availablecash"] == "99725.0500" and rms["utiliseddebits"] == "275.5000"
    q = api.getMarketData("FULL", {"NSE": ["3045", "99926000", "424242"]})
    assert q["status"] is True
    fetched = {f["symbolToken"]: f for f in q["data"]["fetched"]}
    assert set(fetched) == {"3045", "99926000"}
    assert fetched["3045"]["ltp"] == 812.35
    assert len(fetched["3045"]["depth"]["buy"]) == 5
    assert q["data"]["unfetched"][0]["symbolToken"] == "424242"
    ltp = api.getMarketData("LTP", {"NSE": ["3045"]})["data"]["fetched"][0]
    assert set(ltp) == {"exchange", "tradingSymbol", "symbolToken", "ltp"}

    candles = api.getCandleData({
        "exchange": "NSE", "symboltoken": "3045", "interval": "FIVE_MINUTE",
        "fromdate": "2026-01-05 00:00", "todate": "2026-01-05 23:59",
    })["data"]
    assert len(candles) == 75
    assert candles[0][0] == "2026-01-05T09:15:00+05:30" and len(candles[0]) == 6
    oi = api.getOIData({
        "exchange": "NFO", "symboltoken": "43650", "interval": "FIVE_MINUTE",
        "fromdate": "2026-01-05 00:00", "todate": "2026-01-05 23:59",
    })["data"]
    assert len(oi) == 75 and oi[0] == {"time": "2026-01-05T09:15:00+05:30", "oi": 50000}


def test_expired_token_is_refused(mock):
    s = SmartConnect(api_key=KEY, root=mock["rest"], access_token="not-a-token")
    r = s.orderBook()
    assert r["status"] is False and r["errorcode"] == "AG8001"


def test_master_is_the_documented_array(mock):
    with urllib.request.urlopen(mock["master"]) as r:
        rows = json.loads(r.read())
    assert all(set(row) == {"token", "symbol", "name", "expiry", "strike", "lotsize",
                            "instrumenttype", "exch_seg", "tick_size"} for row in rows)
    assert all(isinstance(v, str) for row in rows for v in row.values())


def test_smartwebsocketv2_reads_the_stream(mock):
    ws = SmartWebSocketV2(mock["jwt"], KEY, mock["client_code"], mock["feed_token"])
    ws.ROOT_URI = mock["ws"]
    got = []
    done = threading.Event()

    def on_open(wsapp):
        ws.subscribe("fid", 3, [{"exchangeType": 1, "tokens": ["3045"]}])
        ws.subscribe("fid", 1, [{"exchangeType": 1, "tokens": ["99926000"]}])
        ws.subscribe("fid", 2, [{"exchangeType": 13, "tokens": ["1160"]}])

    def on_data(wsapp, message):
        got.append(message)
        if {m["token"] for m in got} >= {"3045", "99926000", "1160"}:
            done.set()

    ws.on_open = on_open
    ws.on_data = on_data
    ws.on_error = lambda *a: None
    ws.on_close = lambda *a: None
    t = threading.Thread(target=ws.connect, daemon=True)
    t.start()
    assert done.wait(10), f"ticks received: {got[:3]}"
    ws.close_connection()
    by_token = {m["token"]: m for m in got}
    snap = by_token["3045"]
    assert snap["subscription_mode"] == 3 and snap["exchange_type"] == 1
    assert snap["last_traded_price"] == 81235
    # The SDK swaps its two best-five lists back: flag 1 rows end up as buys.
    assert snap["best_5_buy_data"][0]["price"] == 81230
    assert snap["best_5_sell_data"][0]["price"] == 81240
    assert snap["total_buy_quantity"] == 12345.0
    assert by_token["99926000"]["subscription_mode"] == 1
    assert by_token["99926000"]["last_traded_price"] == 2450055
    quote = by_token["1160"]
    assert quote["subscription_mode"] == 2 and quote["exchange_type"] == 13
    assert quote["last_traded_price"] == 832525000
    assert quote["closed_price"] == quote["last_traded_price"] - 2 * 500000


def test_smartwebsocketv2_parser_on_documented_bytes():
    ws = SmartWebSocketV2("j", KEY, "c", "f")
    packet = bytes.fromhex(
        "0101" + "33303435" + "00" * 21 + "0700000000000000" + "0068e5cf8b010000"
        + "533d010000000000"
    )
    parsed = ws._parse_binary_data(packet)
    assert parsed["token"] == "3045"
    assert parsed["sequence_number"] == 7
    assert parsed["exchange_timestamp"] == 1_700_000_000_000
    assert parsed["last_traded_price"] == 81235


def test_order_update_socket_relays_order_changes(mock, api):
    ou = SmartWebSocketOrderUpdate("Bearer " + mock["jwt"], KEY, mock["client_code"],
                                   mock["feed_token"])
    ou.WEBSOCKET_URI = mock["ws"].replace("/smart-stream", "/smart-order-update")
    messages = []
    opened = threading.Event()
    got = threading.Event()

    def on_message(wsapp, message):
        messages.append(json.loads(message))
        opened.set()
        if any(m["order-status"] == "AB02" for m in messages):
            got.set()

    ou.on_message = on_message
    ou.on_close = lambda *a: None
    threading.Thread(target=ou.connect, daemon=True).start()
    assert opened.wait(10), "the AB00 acknowledgement"
    assert messages[0]["order-status"] == "AB00"
    oid = api.placeOrder({
        "variety": "NORMAL", "tradingsymbol": "SBIN-EQ", "symboltoken": "3045",
        "transactiontype": "BUY", "exchange": "NSE", "ordertype": "LIMIT",
        "producttype": "INTRADAY", "duration": "DAY", "price": "700", "triggerprice": "0",
        "squareoff": "0", "stoploss": "0", "quantity": "1",
    })
    api.cancelOrder(oid, "NORMAL")
    assert got.wait(10), f"updates: {messages}"
    ou.wsapp.close()
    codes = [(m["order-status"], m["orderData"]["orderid"]) for m in messages[1:]]
    assert codes[-2:] == [("AB01", oid), ("AB02", oid)]
    assert messages[-1]["orderData"]["status"] == "cancelled"
