"""The official client's reading of odd answers, against small local servers: a 200 that is not
JSON, a JSON error body with status 200, a server that never answers (timeout), and the exact
payload the client sends (raw vs str() fields, None kwargs dropped)."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from openalgo_rs import api


class _Handler(BaseHTTPRequestHandler):
    answers = {}
    seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        endpoint = self.path.rsplit("/", 1)[-1]
        self.seen.append((endpoint, self.headers["Content-Type"], json.loads(body)))
        status, text = self.answers.get(endpoint, (200, '{"status": "success"}'))
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake():
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Handler.seen.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Handler
    server.shutdown()


def test_payload_fields_are_raw_or_str_as_the_official_client_sends_them(fake):
    host, h = fake
    c = api(api_key="KEY", host=host)
    c.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=5, price=101.5,
                 trigger_price=None, disclosed_quantity=0)
    c.orderstatus(order_id=12345)
    c.quotes(symbol="SBIN", exchange="NSE", extra=7)
    c.basketorder(orders=[{"symbol": "SBIN", "quantity": 2, "price": 1.5, "flag": True, "exchange": "NSE"}])
    c.search(query="SBIN", exchange="")
    (e1, ctype, place), (_, _, status), (_, _, quotes), (_, _, basket), (_, _, search) = h.seen
    assert e1 == "placeorder" and ctype == "application/json"
    assert place == {"apikey": "KEY", "strategy": "Python", "symbol": "SBIN", "action": "BUY",
                     "exchange": "NSE", "pricetype": "MARKET", "product": "MIS", "quantity": "5",
                     "price": "101.5", "disclosed_quantity": "0"}
    assert status == {"apikey": "KEY", "strategy": "Python", "orderid": 12345}
    assert quotes["extra"] == 7
    assert basket["orders"] == [{"symbol": "SBIN", "quantity": "2", "price": "1.5", "flag": "True", "exchange": "NSE"}]
    assert "exchange" not in search


def test_non_json_and_error_bodies(fake):
    host, h = fake
    h.answers = {"funds": (200, "<html>oops</html>"), "orderbook": (200, '{"status": "error"}'),
                 "holdings": (500, "boom")}
    c = api(api_key="KEY", host=host)
    assert c.funds() == {"status": "error", "message": "Invalid JSON response from server",
                         "raw_response": "<html>oops</html>", "error_type": "json_error"}
    assert c.orderbook() == {"status": "error", "message": "Unknown error", "code": 200, "error_type": "api_error"}
    assert c.holdings() == {"status": "error", "message": "HTTP 500: boom", "code": 500, "error_type": "http_error"}
    h.answers = {}


def test_a_server_that_never_answers_times_out():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        c = api(api_key="KEY", host=f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=0.3)
        assert c.funds() == {"status": "error",
                             "message": "Request timed out. The server took too long to respond.",
                             "error_type": "timeout_error"}
    finally:
        listener.close()


def test_payload_that_is_not_json_serializable(fake):
    host, h = fake
    answer = api(api_key="KEY", host=host).quotes(symbol="SBIN", exchange="NSE", extra=object())
    assert answer == {"status": "error",
                      "message": "An unexpected error occurred: Object of type object is not JSON serializable",
                      "error_type": "unknown_error"}
    assert h.seen == []
