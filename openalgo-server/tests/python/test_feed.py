"""The official client's market-data feed (connect / subscribe_ltp / subscribe_quote /
subscribe_depth) receives ticks from our WebSocket server, and keeps working through our
`feed_status` notices (a message type it does not know)."""

import json
import threading
import time

import websocket
from openalgo import api


def test_feed_receives_ltp_quote_and_depth_ticks(server):
    client = api(api_key=server["key"], host=server["host"], ws_url=server["ws"])
    got = {"ltp": [], "quote": [], "depth": []}
    lock = threading.Lock()

    def keep(kind):
        def on_data(data):
            with lock:
                got[kind].append(data)
        return on_data

    assert client.connect()
    try:
        assert client.subscribe_ltp([{"exchange": "NSE", "symbol": "SBIN"}], on_data_received=keep("ltp"))
        assert client.subscribe_quote([{"exchange": "NSE", "symbol": "RELIANCE"}], on_data_received=keep("quote"))
        assert client.subscribe_depth([{"exchange": "NSE", "symbol": "INFY"}], on_data_received=keep("depth"))
        deadline = time.time() + 15
        while time.time() < deadline:
            with lock:
                if all(got.values()):
                    break
            time.sleep(0.1)
        with lock:
            assert all(got.values()), {k: len(v) for k, v in got.items()}
            ltp = [d for d in got["ltp"] if d.get("symbol") == "SBIN"]
            assert ltp and ltp[0]["type"] == "market_data" and ltp[0]["data"]["ltp"] > 0, got["ltp"][:2]
            depth = [d for d in got["depth"] if d.get("symbol") == "INFY" and d.get("mode") == 3]
            assert depth and len(depth[0]["data"]["depth"]["buy"]) == 5, got["depth"][:2]
    finally:
        client.disconnect()


def test_feed_keeps_working_through_feed_status_notices(stalling_server):
    # A raw connection sees the notices the official client is also sent.
    raw = websocket.create_connection(stalling_server["ws"], timeout=20)
    raw.send(json.dumps({"action": "authenticate", "api_key": stalling_server["key"]}))
    raw.send(json.dumps({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": 1}))
    client = api(api_key=stalling_server["key"], host=stalling_server["host"], ws_url=stalling_server["ws"])
    got = []
    lock = threading.Lock()

    def on_data(data):
        with lock:
            got.append(data)

    assert client.connect()
    try:
        assert client.subscribe_ltp([{"exchange": "NSE", "symbol": "SBIN"}], on_data_received=on_data)
        notices = []
        deadline = time.time() + 30
        while time.time() < deadline and not {"stale", "restored"} <= {n["status"] for n in notices}:
            m = json.loads(raw.recv())
            if m.get("type") == "feed_status":
                notices.append(m)
        assert {"stale", "restored"} <= {n["status"] for n in notices}, notices
        stale = next(n for n in notices if n["status"] == "stale")
        assert stale["broker"] == "simulator" and stale["stall_seconds"] == 1, stale
        # The official client was sent the same notices and still takes the ticks that
        # follow each reconnect.
        with lock:
            before = len(got)
        deadline = time.time() + 30
        while time.time() < deadline:
            with lock:
                if len(got) >= before + 2:
                    break
            time.sleep(0.1)
        with lock:
            assert len(got) >= before + 2, got
            assert all(d["symbol"] == "SBIN" and d["data"]["ltp"] > 0 for d in got), got[:3]
    finally:
        client.disconnect()
        raw.close()
