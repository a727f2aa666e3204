"""The binding's account books are the server's rows: the same orders placed on a fresh server
(over HTTP) and on a fresh in-process simulator `Broker` give the same keys in the same order and
the same values, with money as `Decimal` where the server writes a float or a 2-place text.
`Sandbox` rows start with the same keys and add their own after them."""

import re
from decimal import Decimal

from conftest import running_server
from openalgo_rs import Broker, Sandbox, api

# Values fixed by the moment of a fill (the simulated price then) or by the clock.
MOMENT = {"timestamp", "average_price", "trade_value", "ltp", "pnl", "availablecash",
          "utiliseddebits", "m2munrealized", "m2mrealized"}
TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def trade(client):
    limit = client.placeorder(symbol="INFY", action="BUY", exchange="NSE", price_type="LIMIT",
                              product="MIS", quantity=5, price=1.05)
    market = client.placeorder(symbol="SBIN", action="BUY", exchange="NSE", price_type="MARKET",
                               product="MIS", quantity=10)
    books = {name: getattr(client, name)()
             for name in ("orderbook", "tradebook", "positionbook", "holdings", "funds")}
    return limit["orderid"], market["orderid"], books


def same(ours, theirs, key=None):
    """`ours` (binding) against `theirs` (server JSON as the client decodes it)."""
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), key
        for k in theirs:
            same(ours[k], theirs[k], k)
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs), key
        for a, b in zip(ours, theirs):
            same(a, b, key)
    elif isinstance(theirs, float):
        assert isinstance(ours, Decimal), (key, ours)
        if key not in MOMENT:
            assert float(ours) == theirs and Decimal(repr(theirs)) == ours, (key, ours, theirs)
    elif key in ("availablecash", "collateral", "m2mrealized", "m2munrealized", "utiliseddebits"):
        assert isinstance(theirs, str) and isinstance(ours, Decimal), (key, ours)
        assert re.fullmatch(r"-?\d+\.\d\d", theirs), theirs
        if key not in MOMENT:
            assert Decimal(theirs) == ours, (key, ours, theirs)
    elif key == "timestamp":
        assert TIME.match(ours) and TIME.match(theirs), (ours, theirs)
    elif key == "orderid":
        assert isinstance(ours, str) and re.fullmatch(r"\d{14}", ours), ours
    else:
        assert type(ours) is type(theirs) and ours == theirs, (key, ours, theirs)


def test_broker_books_equal_the_servers():
    with running_server() as s:
        server = trade(api(api_key=s["key"], host=s["host"]))
    ours = trade(Broker("simulator"))
    for name, theirs in server[2].items():
        # The rows; the envelope's key order is the binding's own (`status` first).
        assert ours[2][name]["status"] == theirs["status"] == "success"
        same(ours[2][name]["data"], theirs["data"], name)
    # What the comparison covered: a MARKET and a LIMIT order, a fill, a position, no holdings.
    orders = {o["pricetype"]: o for o in server[2]["orderbook"]["data"]["orders"]}
    assert orders["MARKET"]["price"] == 0.0 and orders["LIMIT"]["price"] == 1.05
    assert orders["LIMIT"]["order_status"] == "open" and orders["MARKET"]["order_status"] == "complete"
    mine = {o["pricetype"]: o for o in ours[2]["orderbook"]["data"]["orders"]}
    assert mine["MARKET"]["price"] == 0 and mine["LIMIT"]["price"] == Decimal("1.05")
    assert server[2]["orderbook"]["data"]["statistics"]["total_buy_orders"] == 2
    assert len(server[2]["tradebook"]["data"]) == 1 and len(server[2]["positionbook"]["data"]) == 1
    assert ours[2]["holdings"]["data"]["statistics"] == {
        "totalholdingvalue": 0, "totalinvvalue": 0, "totalpnlpercentage": 0,
        "totalprofitandloss": 0}


def test_sandbox_rows_start_with_the_server_keys():
    with running_server() as s:
        _, _, books = trade(api(api_key=s["key"], host=s["host"]))
    sb = Sandbox(mis_cutoffs=False)
    sb.tick("SBIN", "NSE", "812.35")
    limit = sb.place(symbol="INFY", exchange="NSE", action="BUY", quantity=5, price_type="LIMIT",
                     price="1.05")
    sb.place(symbol="SBIN", exchange="NSE", action="BUY", quantity=10)
    server_order = books["orderbook"]["data"]["orders"][0]
    for o in sb.orders():
        assert list(o) == list(server_order)
    assert sb.order(limit)["price"] == Decimal("1.05")
    [t] = sb.trades()
    assert list(t) == list(books["tradebook"]["data"][0]) + ["tradeid", "strategy"]
    assert t["trade_value"] == Decimal("8123.50")
    [p] = sb.positions()
    assert list(p)[:7] == list(books["positionbook"]["data"][0])
    assert list(sb.funds())[:5] == list(books["funds"]["data"])
