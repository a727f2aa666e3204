"""Fidelity of the mock DhanHQ: Dhan's official `dhanhq` client (PyPI) talks to it for every
call the adapter makes (orders, books, positions, holdings, funds, market quotes, charts, the
consent login) and reads the binary live feed with its own parser. Run by
scripts/dhanhq-fidelity."""

import csv
import io
import json
import os
import subprocess
import webbrowser

import pytest
import requests
from dhanhq import DhanContext, DhanLogin, dhanhq
from dhanhq.marketfeed import MarketFeed as Feed

CLIENT, APP, APP_SECRET = "1000000001", "dhanapp", "dhansecret"


@pytest.fixture(scope="module")
def mock():
    proc = subprocess.Popen(
        [os.environ["MOCK_DHAN_BIN"], CLIENT, APP, APP_SECRET],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    info = json.loads(proc.stdout.readline())
    yield info
    proc.stdin.close()
    proc.wait(timeout=10)


def client(mock, token=None):
    ctx = DhanContext(CLIENT, token or mock["access_token"])
    ctx.get_dhan_http().base_url = mock["rest"]
    return ctx, dhanhq(ctx)


@pytest.fixture(scope="module")
def dhan(mock):
    return client(mock)[1]


def ok(resp):
    assert resp["status"] == "success", resp
    return resp["data"]


def test_orders_round_trip(dhan):
    placed = ok(dhan.place_order(security_id="3045", exchange_segment=dhan.NSE,
                                 transaction_type=dhan.BUY, quantity=1, order_type=dhan.MARKET,
                                 product_type=dhan.INTRA, price=0))
    oid = placed["orderId"]
    orders = {o["orderId"]: o for o in ok(dhan.get_order_list())}
    assert orders[oid]["orderStatus"] == "TRADED"
    assert orders[oid]["averageTradedPrice"] == 812.35
    assert orders[oid]["securityId"] == "3045" and orders[oid]["filledQty"] == 1
    assert ok(dhan.get_order_by_id(oid))["orderStatus"] == "TRADED"

    lim = ok(dhan.place_order(security_id="35001", exchange_segment=dhan.NSE_FNO,
                              transaction_type=dhan.SELL, quantity=75, order_type=dhan.LIMIT,
                              product_type=dhan.MARGIN, price=999.0, tag="openalgo"))["orderId"]
    assert ok(dhan.get_order_by_id(lim))["orderStatus"] == "PENDING"
    assert ok(dhan.get_order_by_id(lim))["correlationId"] == "openalgo"
    ok(dhan.modify_order(lim, dhan.LIMIT, "ENTRY_LEG", 150, 950.5, 0, 0, dhan.DAY))
    modified = ok(dhan.get_order_by_id(lim))
    assert (modified["quantity"], modified["price"]) == (150, 950.5)
    assert ok(dhan.cancel_order(lim))["orderStatus"] == "CANCELLED"
    again = dhan.cancel_order(lim)
    assert again["status"] == "failure"
    assert again["remarks"]["error_code"] == "DH-906"

    stop = ok(dhan.place_order(security_id="3045", exchange_segment=dhan.NSE,
                               transaction_type=dhan.SELL, quantity=10, order_type=dhan.SLM,
                               product_type=dhan.CNC, price=0, trigger_price=700.05))
    assert ok(dhan.get_order_by_id(stop["orderId"]))["orderType"] == "STOP_LOSS_MARKET"

    trades = ok(dhan.get_trade_book())
    assert trades[0]["orderId"] == oid and trades[0]["tradedQuantity"] == 1
    assert ok(dhan.get_trade_book(oid))[0]["tradedPrice"] == 812.35
    positions = ok(dhan.get_positions())
    assert positions[0]["securityId"] == "3045" and positions[0]["netQty"] == 1
    assert positions[0]["productType"] == "INTRADAY"


def test_account_and_market_data(dhan):
    funds = ok(dhan.get_fund_limits())
    assert funds["availabelBalance"] == 99725.05 and funds["collateralAmount"] == 1000.0
    holdings = ok(dhan.get_holdings())
    assert holdings[0]["securityId"] == "1594" and holdings[0]["totalQty"] == 10

    quote = ok(dhan.quote_data({"NSE_EQ": [3045], "IDX_I": [13]}))["data"]
    sbin = quote["NSE_EQ"]["3045"]
    assert sbin["last_price"] == 812.35 and len(sbin["depth"]["buy"]) == 5
    assert sbin["depth"]["sell"][0]["price"] == 812.4
    assert quote["IDX_I"]["13"]["last_price"] == 24500.55
    ltp = ok(dhan.ticker_data({"NSE_EQ": [1594]}))["data"]
    assert ltp["NSE_EQ"]["1594"] == {"last_price": 1573.15}
    ohlc = ok(dhan.ohlc_data({"NSE_EQ": [1594]}))["data"]
    assert ohlc["NSE_EQ"]["1594"]["ohlc"]["close"] == 1571.15

    intraday = ok(dhan.intraday_minute_data("3045", "NSE_EQ", "EQUITY", "2026-01-05",
                                            "2026-01-06", interval=5, oi=True))
    assert len(intraday["timestamp"]) == 75 and len(intraday["open_interest"]) == 75
    assert intraday["timestamp"][0] == 1767584700
    daily = ok(dhan.historical_daily_data("35001", "NSE_FNO", "OPTIDX", "2026-01-05",
                                          "2026-01-10", oi=True))
    assert len(daily["close"]) == 5


def test_errors_come_in_the_documented_envelope(mock):
    _, bad = client(mock, token="not-a-token")
    resp = bad.get_order_list()
    assert resp["status"] == "failure"
    assert resp["remarks"] == {"error_code": "DH-901", "error_type": "Invalid_Authentication",
                               "error_message": "Client ID or user generated access token is invalid or expired."}


def test_consent_login(mock, monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda url: True)
    login = DhanLogin(CLIENT)
    login.AUTH_BASE_URL = mock["auth"]
    consent = login.generate_login_session(APP, APP_SECRET)
    page = requests.get(f"{mock['auth']}/login/consentApp-login",
                        params={"consentAppId": consent}, allow_redirects=False)
    assert page.status_code == 302
    token_id = page.headers["location"].split("tokenId=")[1]
    session = login.consume_token_id(token_id, APP, APP_SECRET)
    assert session["dhanClientId"] == CLIENT and session["accessToken"]
    _, fresh = client(mock, token=session["accessToken"])
    ok(fresh.get_fund_limits())


def test_scrip_master_has_the_documented_columns(mock):
    rows = list(csv.DictReader(io.StringIO(requests.get(mock["master"]).text)))
    assert {"SEM_EXM_EXCH_ID", "SEM_SMST_SECURITY_ID", "SEM_CUSTOM_SYMBOL",
            "SM_SYMBOL_NAME"} <= set(rows[0])
    option = next(r for r in rows if r["SEM_SMST_SECURITY_ID"] == "35001")
    assert option["SEM_TRADING_SYMBOL"] == "NIFTY-Dec2030-24500-CE"
    assert option["SEM_OPTION_TYPE"] == "CE" and float(option["SEM_STRIKE_PRICE"]) == 24500


def test_market_feed_packets_parse_with_the_sdk(mock):
    Feed.market_feed_wss = mock["ws"]
    ctx, _ = client(mock)
    feed = Feed(ctx, [(Feed.NSE, "1594", Feed.Full), (Feed.IDX, "13", Feed.Ticker),
                      (Feed.NSE_CURR, "8001", Feed.Quote)], version="v2")
    feed.run_forever()
    seen = {}
    wanted = {("Full Data", 1594), ("Ticker Data", 13), ("Quote Data", 8001),
              ("Previous Close", 1594)}
    for _ in range(500):
        data = feed.get_data()
        if isinstance(data, dict):
            seen[(data["type"], data["security_id"])] = data
        if wanted <= set(seen):
            break
    feed.close_connection()
    full = seen[("Full Data", 1594)]
    assert full["exchange_segment"] == 1 and full["LTP"] == "1573.15"
    assert full["OI"] == 1000 and full["total_buy_quantity"] == 12345
    assert full["depth"][0]["bid_price"] == "1573.10" and full["depth"][4]["ask_price"] == "1573.40"
    assert full["depth"][0]["bid_quantity"] == 100 and full["depth"][0]["ask_orders"] == 2
    assert seen[("Ticker Data", 13)]["LTP"] == "24500.55"
    quote = seen[("Quote Data", 8001)]
    # The SDK prints two decimals; the float32 on the wire is 83.2525's.
    assert quote["exchange_segment"] == 3 and quote["LTP"] == "83.25"
    assert quote["close"] == "83.15"
    assert ("Previous Close", 1594) in seen


def test_order_updates_reach_the_sdk(mock, dhan):
    import asyncio
    import threading
    import time

    from dhanhq import OrderUpdate

    ctx, _ = client(mock)
    updates = []
    socket = OrderUpdate(ctx)
    socket.order_feed_wss = mock["order_ws"]
    socket.on_update = updates.append

    def listen():
        try:
            asyncio.run(socket.connect_order_update())
        except Exception:  # the mock goes away at teardown
            pass

    threading.Thread(target=listen, daemon=True).start()
    time.sleep(0.3)
    oid = ok(dhan.place_order(security_id="1594", exchange_segment=dhan.NSE,
                              transaction_type=dhan.BUY, quantity=2, order_type=dhan.MARKET,
                              product_type=dhan.CNC, price=0))["orderId"]
    deadline = time.time() + 5
    while time.time() < deadline and not any(
            u["Data"]["orderNo"] == oid and u["Data"]["status"] == "Traded" for u in updates):
        time.sleep(0.05)
    mine = [u["Data"] for u in updates if u["Data"]["orderNo"] == oid]
    assert [u["status"] for u in mine] == ["Pending", "Traded"], updates
    assert mine[-1]["txnType"] == "B" and mine[-1]["product"] == "C"
    assert mine[-1]["orderType"] == "MKT" and mine[-1]["avgTradedPrice"] == 1573.15
