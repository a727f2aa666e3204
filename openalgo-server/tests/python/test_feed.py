"""The official client's market-data feed (connect / subscribe_ltp / subscribe_quote /
subscribe_depth) receives ticks from our WebSocket server."""

import threading
import time

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
