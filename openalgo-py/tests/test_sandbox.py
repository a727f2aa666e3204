"""The embedded paper-trading engine: injected ticks, exact P&L as Decimal, the order
lifecycle, funds, MIS square-off on the clock, T+1 holdings, and the exception hierarchy."""

from datetime import datetime
from decimal import Decimal

import pytest

import openalgo_rs
from openalgo_rs import Sandbox

# A Wednesday (no holiday) so sessions and T+1 behave like a normal week.
MORNING = datetime(2026, 11, 25, 10, 0, 0)


@pytest.fixture
def sb():
    return Sandbox(now=MORNING, capital="1000000")


def position(sb, symbol, product="MIS"):
    [p] = [p for p in sb.positions() if p["symbol"] == symbol and p["product"] == product]
    return p


def test_market_buy_fills_at_the_ask_and_marks_to_market(sb):
    sb.tick("SBIN", "NSE", "800.00", bid="799.95", ask="800.05")
    oid = sb.place(symbol="SBIN", exchange="NSE", action="BUY", quantity=100)
    o = sb.order(oid)
    assert o["order_status"] == "complete" and o["average_price"] == Decimal("800.05")
    sb.tick("SBIN", "NSE", "812.35")
    p = position(sb, "SBIN")
    assert p["quantity"] == 100
    assert p["unrealized_pnl"] == Decimal("1230.00")  # (812.35 - 800.05) * 100
    assert isinstance(p["pnl"], Decimal)
    f = sb.funds()
    assert f["m2munrealized"] == Decimal("1230.00")
    # MIS equity margin at 5x leverage: 800.05 * 100 / 5.
    assert f["utiliseddebits"] == Decimal("16001.00")
    assert f["availablecash"] == Decimal("1000000") - Decimal("16001.00")


def test_round_trip_realizes_exact_pnl(sb):
    sb.tick("RELIANCE", "NSE", "1250.10")
    sb.place(symbol="RELIANCE", exchange="NSE", action="BUY", quantity=7)
    sb.tick("RELIANCE", "NSE", "1249.85")
    sb.place(symbol="RELIANCE", exchange="NSE", action="SELL", quantity=7)
    p = position(sb, "RELIANCE")
    assert p["quantity"] == 0
    assert p["realized_pnl"] == Decimal("-1.75")  # (1249.85 - 1250.10) * 7
    f = sb.funds()
    assert f["m2mrealized"] == Decimal("-1.75")
    assert f["availablecash"] == Decimal("999998.25")
    assert f["utiliseddebits"] == 0
    assert [t["action"] for t in sb.trades()] == ["BUY", "SELL"]


def test_limit_and_stop_orders_wait_for_the_price(sb):
    sb.tick("INFY", "NSE", "1500")
    limit = sb.place(symbol="INFY", exchange="NSE", action="BUY", quantity=10, price_type="LIMIT", price="1490.50")
    stop = sb.place(symbol="INFY", exchange="NSE", action="SELL", quantity=10, price_type="SL-M", trigger_price="1480")
    assert sb.order(limit)["order_status"] == "open"
    assert sb.order(stop)["order_status"] == "trigger pending"
    sb.tick("INFY", "NSE", "1495")
    assert sb.order(limit)["order_status"] == "open"
    sb.tick("INFY", "NSE", "1490.00")
    assert sb.order(limit)["order_status"] == "complete"
    assert sb.order(limit)["average_price"] == Decimal("1490.50") or sb.order(limit)["average_price"] == Decimal("1490.00")
    sb.tick("INFY", "NSE", "1479.90")
    assert sb.order(stop)["order_status"] == "complete"
    assert position(sb, "INFY")["quantity"] == 0


def test_modify_and_cancel(sb):
    sb.tick("TCS", "NSE", "3500")
    oid = sb.place(symbol="TCS", exchange="NSE", action="BUY", quantity=5, price_type="LIMIT", price="3400")
    assert sb.modify(oid, quantity=8, price="3450.5") == oid
    o = sb.order(oid)
    assert o["quantity"] == 8 and o["price"] == Decimal("3450.5")
    assert sb.funds()["utiliseddebits"] == Decimal("5520.80")  # 3450.5 * 8 / 5
    assert sb.cancel(oid) == oid
    assert sb.order(oid)["order_status"] == "cancelled"
    assert sb.funds()["utiliseddebits"] == 0
    with pytest.raises(openalgo_rs.OrderRejectedError, match="Cannot cancel order in cancelled status"):
        sb.cancel(oid)


def test_mis_square_off_on_the_clock(sb):
    sb.tick("ITC", "NSE", "450")
    sb.place(symbol="ITC", exchange="NSE", action="SELL", quantity=40)
    sb.tick("ITC", "NSE", "447.25")
    sb.advance(hours=5, minutes=15)  # 15:15 IST
    p = position(sb, "ITC")
    assert p["quantity"] == 0
    assert p["realized_pnl"] == Decimal("110.00")  # (450 - 447.25) * 40
    assert sb.orders()[-1]["strategy"] == "AUTO_SQUARE_OFF"
    with pytest.raises(openalgo_rs.OrderRejectedError, match="square-off time"):
        sb.place(symbol="ITC", exchange="NSE", action="SELL", quantity=1)


def test_cnc_buy_becomes_a_holding_after_t_plus_one(sb):
    sb.tick("SBIN", "NSE", "800")
    sb.place(symbol="SBIN", exchange="NSE", action="BUY", quantity=10, product="CNC")
    assert sb.holdings() == []
    sb.set_time(datetime(2026, 11, 26, 9, 30))
    [h] = sb.holdings()
    assert h["symbol"] == "SBIN" and h["quantity"] == 10 and h["average_price"] == Decimal("800")


def test_errors_map_to_the_hierarchy(sb):
    with pytest.raises(openalgo_rs.SymbolNotFoundError):
        sb.place(symbol="NOSUCH", exchange="NSE", action="BUY", quantity=1)
    with pytest.raises(openalgo_rs.ValidationError) as e:
        sb.place(symbol="SBIN", exchange="NYSE", action="BUY", quantity=1)
    assert isinstance(e.value, ValueError)
    with pytest.raises(openalgo_rs.ValidationError, match="price"):
        sb.place(symbol="SBIN", exchange="NSE", action="BUY", quantity=1, price_type="LIMIT")
    with pytest.raises(openalgo_rs.OrderRejectedError, match="unable to fetch current price"):
        sb.place(symbol="HDFCBANK", exchange="NSE", action="BUY", quantity=1)
    sb.tick("SBIN", "NSE", "800")
    with pytest.raises(openalgo_rs.InsufficientFundsError, match="Insufficient funds"):
        sb.place(symbol="SBIN", exchange="NSE", action="BUY", quantity=100000)
    with pytest.raises(openalgo_rs.NotFoundError) as nf:
        sb.cancel("26112500000999")
    assert isinstance(nf.value, KeyError)
    assert issubclass(openalgo_rs.InsufficientFundsError, openalgo_rs.OpenAlgoError)


def test_money_is_never_float(sb):
    sb.tick("SBIN", "NSE", 800.1)  # a float input is read through its repr, exactly
    sb.place(symbol="SBIN", exchange="NSE", action="BUY", quantity=3)
    for row in sb.positions() + sb.orders() + sb.trades():
        for k, v in row.items():
            assert not isinstance(v, float), (k, v)
    assert all(isinstance(v, Decimal) for v in sb.funds().values())
    assert position(sb, "SBIN")["average_price"] == Decimal("800.1")


def test_round_trip_batch(sb):
    sb.tick("SBIN", "NSE", "800")
    assert sb.place_round_trips(symbol="SBIN", exchange="NSE", count=1000) == 1000
    assert len(sb.orders()) == 1000 and position(sb, "SBIN")["quantity"] == 0
