"""openalgo_rs.api against the real server: the official client's methods, defaults, return
values and error dicts, the DataFrame of history, and the WebSocket feed."""

import socket
import threading
import time

import pytest

import openalgo_rs
from openalgo_rs import api


@pytest.fixture
def client(server):
    return api(api_key=server["key"], host=server["host"], ws_url=server["ws"])


def test_constructor_defaults_match_the_official_client():
    c = api(api_key="k")
    assert c.base_url == "http://127.0.0.1:5000/api/v1/"
    assert c.timeout == 120.0
    assert c.ws_url == "ws://127.0.0.1:8765"
    c = api(api_key="k", host="https://example.org:5000", ws_port=9000)
    assert c.ws_url == "ws://example.org:9000"


def test_orders_round_trip(client):
    placed = client.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=3)
    assert placed["status"] == "success" and len(placed["orderid"]) == 14
    status = client.orderstatus(order_id=placed["orderid"])
    assert status["status"] == "success"
    row = status["data"]
    assert (row["symbol"], row["action"], row["quantity"], row["order_status"]) == ("SBIN", "BUY", 3, "complete")
    assert row["pricetype"] == "MARKET" and row["product"] == "MIS" and row["strategy"] == "Python"
    book = client.orderbook()
    assert any(o["orderid"] == placed["orderid"] for o in book["data"]["orders"])
    assert book["data"]["statistics"]["total_buy_orders"] >= 1
    trades = client.tradebook()
    assert any(t["orderid"] == placed["orderid"] for t in trades["data"])
    pos = client.openposition(symbol="SBIN", exchange="NSE", product="MIS")
    assert pos["status"] == "success" and int(pos["quantity"]) >= 3


def test_limit_modify_cancel(client):
    placed = client.placeorder(symbol="INFY", action="BUY", exchange="NSE", price_type="LIMIT", quantity=2, price="1")
    oid = placed["orderid"]
    assert client.orderstatus(order_id=oid)["data"]["order_status"] == "open"
    modified = client.modifyorder(order_id=oid, symbol="INFY", action="BUY", exchange="NSE",
                                  product="MIS", quantity=4, price=1.5)
    assert modified == {"status": "success", "orderid": oid}
    row = client.orderstatus(order_id=oid)["data"]
    assert row["quantity"] == 4 and row["price"] == 1.5
    assert client.cancelorder(order_id=oid) == {"status": "success", "orderid": oid}
    again = client.cancelorder(order_id=oid)
    assert again["status"] == "error" and again["error_type"] in ("http_error", "api_error")


def test_error_dicts_match_the_official_shapes(server, client):
    bad = client.placeorder(symbol="NOSUCH", action="BUY", exchange="NSE")
    assert bad["status"] == "error" and bad["error_type"] == "http_error" and bad["code"] == 400
    assert bad["message"].startswith("HTTP 400: ") and "NOSUCH" in bad["message"]
    refused = api(api_key="0" * 64, host=server["host"]).funds()
    assert refused["status"] == "error" and refused["code"] == 403
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    down = api(api_key="k", host=f"http://127.0.0.1:{dead}").funds()
    assert down == {
        "status": "error",
        "message": "Failed to connect to the server. Please check if the server is running.",
        "error_type": "connection_error",
    }


def test_market_data_and_symbols(client):
    q = client.quotes(symbol="SBIN", exchange="NSE")
    assert q["status"] == "success" and q["data"]["ltp"] > 0
    d = client.depth(symbol="SBIN", exchange="NSE")
    assert len(d["data"]["bids"]) == 5
    s = client.symbol(symbol="SBIN", exchange="NSE")
    assert s["data"]["symbol"] == "SBIN" and s["data"]["lotsize"] == 1
    found = client.search(query="NIFTY", exchange="NFO")
    assert found["status"] == "success" and len(found["data"]) > 0
    assert all(r["exchange"] == "NFO" for r in found["data"])
    e = client.expiry(symbol="NIFTY", exchange="NFO", instrumenttype="futures")
    assert e["status"] == "success" and len(e["data"]) >= 1
    assert client.intervals()["status"] == "success"
    assert client.interval() == client.intervals()


def test_history_is_a_dataframe(client):
    pd = pytest.importorskip("pandas")
    df = client.history(symbol="SBIN", exchange="NSE", interval="5m",
                        start_date="2025-01-06", end_date="2025-01-07")
    assert isinstance(df, pd.DataFrame) and not df.empty
    assert df.index.name == "timestamp" and str(df.index.tz) == "Asia/Kolkata"
    assert {"open", "high", "low", "close", "volume"} <= set(df.columns)
    daily = client.history(symbol="SBIN", exchange="NSE", interval="D",
                           start_date="2025-01-01", end_date="2025-01-31")
    assert daily.index.tz is None and daily.index.is_monotonic_increasing


def test_smart_split_basket(client):
    smart = client.placesmartorder(symbol="TCS", action="BUY", exchange="NSE", product="MIS",
                                   quantity=1, position_size=4)
    assert smart["status"] == "success" and "orderid" in smart
    assert client.openposition(symbol="TCS", exchange="NSE", product="MIS")["quantity"] in (4, "4")
    split = client.splitorder(symbol="ITC", action="BUY", exchange="NSE", quantity=25, splitsize=10)
    assert [r["quantity"] for r in split["results"]] == [10, 10, 5]
    basket = client.basketorder(orders=[{"symbol": "ITC", "exchange": "NSE", "action": "SELL", "quantity": 25,
                                         "pricetype": "MARKET", "product": "MIS"}])
    assert basket["status"] == "success" and basket["results"][0]["status"] == "success"


def test_unknown_endpoint_through_post(client):
    assert client._post("ping")["status"] == "success"


def test_feed_ltp_quote_depth(client):
    got = {"ltp": [], "quote": [], "depth": []}
    lock = threading.Lock()

    def keep(kind):
        def on_data(data):
            with lock:
                got[kind].append(data)
        return on_data

    assert client.connect() is True
    try:
        assert client.subscribe_ltp([{"exchange": "NSE", "symbol": "SBIN"}], on_data_received=keep("ltp"))
        assert client.subscribe_quote([{"exchange": "NSE", "symbol": "RELIANCE"}], on_data_received=keep("quote"))
        assert client.subscribe_depth([{"exchange": "NSE", "symbol": "INFY"}], on_data_received=keep("depth"))
        deadline = time.time() + 15
        while time.time() < deadline:
            with lock:
                if all(got.values()):
                    break
            time.sleep(0.05)
        with lock:
            assert all(got.values()), {k: len(v) for k, v in got.items()}
            ltp = got["ltp"][0]
            assert ltp["type"] == "market_data" and ltp["symbol"] == "SBIN" and ltp["mode"] == 1
            assert ltp["data"]["ltp"] > 0
            assert set(got["quote"][0]["data"]) >= {"open", "high", "low", "close", "ltp", "volume"}
            assert len(got["depth"][0]["data"]["depth"]["buy"]) == 5
        snapshot = client.get_ltp()
        assert snapshot["ltp"]["NSE"]["SBIN"]["ltp"] > 0
        assert "RELIANCE" in client.get_quotes(exchange="NSE")["quote"]["NSE"]
        book = client.get_depth()["depth"]["NSE"]["INFY"]
        assert set(book["buyBook"]) == {"1", "2", "3", "4", "5"}
        assert client.unsubscribe_ltp([{"exchange": "NSE", "symbol": "SBIN"}])
        assert "SBIN" not in client.get_ltp()["ltp"].get("NSE", {})
    finally:
        client.disconnect()
    assert not client.connected


def test_feed_refuses_a_bad_key(server):
    c = api(api_key="0" * 64, host=server["host"], ws_url=server["ws"])
    assert c.connect() is False
    assert c.subscribe_ltp([{"exchange": "NSE", "symbol": "SBIN"}]) is False
    c.disconnect()


def test_version():
    assert openalgo_rs.__version__


def test_instruments_dataframe_and_calendar(client):
    pd = pytest.importorskip("pandas")
    nse = client.instruments(exchange="NSE")
    assert isinstance(nse, pd.DataFrame) and (nse["exchange"] == "NSE").all()
    everything = client.instruments()
    assert isinstance(everything, pd.DataFrame) and len(everything) > len(nse)
    assert {"NSE", "NFO"} <= set(everything["exchange"])
    assert client.holidays(year=2025)["status"] == "success"
    assert client.timings(date="2025-01-06")["status"] == "success"
