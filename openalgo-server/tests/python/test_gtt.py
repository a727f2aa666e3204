"""The official client's GTT methods (2.x only: 1.0.47 has none) against our server's simulator:
place, book, modify and cancel, SINGLE and OCO, the client's own refusals and the server's."""

import pytest
from openalgo import api


@pytest.fixture(scope="module")
def client(server):
    c = api(api_key=server["key"], host=server["host"])
    if not hasattr(c, "placegttorder"):
        pytest.skip("this client version has no GTT methods (they arrived in 2.x)")
    return c


def _ltp(client, symbol):
    q = client.quotes(symbol=symbol, exchange="NSE")
    assert q["status"] == "success", q
    return q["data"]["ltp"]


def test_single_gtt_place_book_modify_cancel(client):
    below = round(round(_ltp(client, "SBIN") / 2 / 0.05) * 0.05, 2)
    r = client.placegttorder(strategy="Py", symbol="SBIN", action="BUY", exchange="NSE",
                             product="CNC", quantity=2, price_type="LIMIT", price=below,
                             triggerprice_sl=below)
    assert r["status"] == "success", r
    tid = r["trigger_id"]
    assert tid.startswith("GTT-")

    book = client.gttorderbook()
    assert book["status"] == "success", book
    [row] = [g for g in book["data"] if g["trigger_id"] == tid]
    assert row["trigger_type"] == "single" and row["status"] == "active"
    assert row["trigger_prices"] == [below]
    assert row["legs"] == [{"action": "BUY", "quantity": 2, "price": below,
                            "pricetype": "LIMIT", "product": "CNC"}]
    assert row["symbol"] == "SBIN" and row["exchange"] == "NSE"
    for key in ("created_at", "updated_at", "expires_at"):
        assert isinstance(row[key], str) and len(row[key]) == 19, row

    m = client.modifygttorder(trigger_id=tid, strategy="Py", symbol="SBIN", action="BUY",
                              exchange="NSE", product="CNC", quantity=5, price_type="LIMIT",
                              price=below, triggerprice_sl=below)
    assert m == {"status": "success", "trigger_id": tid}, m
    [row] = [g for g in client.gttorderbook()["data"] if g["trigger_id"] == tid]
    assert row["legs"][0]["quantity"] == 5

    c = client.cancelgttorder(trigger_id=tid, strategy="Py")
    assert c == {"status": "success", "trigger_id": tid}, c
    assert all(g["trigger_id"] != tid for g in client.gttorderbook()["data"])
    everything = client.gttorderbook(status="all")
    assert any(g["trigger_id"] == tid and g["status"] == "cancelled" for g in everything["data"])

    again = client.cancelgttorder(trigger_id=tid, strategy="Py")
    assert again["status"] == "error" and again["code"] == 404, again
    assert again["message"] == f"No active GTT with trigger_id '{tid}'"


def test_oco_gtt_lists_the_stoploss_leg_first(client):
    buy = client.placeorder(strategy="Py", symbol="INFY", action="BUY", exchange="NSE",
                            price_type="MARKET", product="CNC", quantity=1)
    assert buy["status"] == "success", buy
    ltp = _ltp(client, "INFY")
    sl, tg = round(ltp * 0.8, 1), round(ltp * 1.2, 1)
    r = client.placegttorder(strategy="Py", symbol="INFY", action="SELL", exchange="NSE",
                             trigger_type="OCO", product="CNC", quantity=1,
                             triggerprice_sl=sl, stoploss=sl - 1, triggerprice_tg=tg, target=tg + 1)
    assert r["status"] == "success", r
    [row] = [g for g in client.gttorderbook()["data"] if g["trigger_id"] == r["trigger_id"]]
    assert row["trigger_type"] == "two-leg"
    assert row["trigger_prices"] == [sl, tg]
    assert [leg["price"] for leg in row["legs"]] == [sl - 1, tg + 1]
    assert client.cancelgttorder(trigger_id=r["trigger_id"])["status"] == "success"


def test_refusals(client):
    # The client refuses before sending...
    r = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE", triggerprice_sl=1,
                             triggerprice_tg=2)
    assert r["error_type"] == "validation_error", r
    # ...the server refuses what the client lets through, with the reference's messages.
    r = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE", product="MIS",
                             triggerprice_sl=1)
    assert r["status"] == "error" and r["code"] == 400, r
    assert r["message"] == ("{'product': ['GTT supports only CNC (delivery) or NRML (overnight "
                            "F&O); MIS is intraday-only.']}")
    r = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=1.5,
                             triggerprice_sl=1)
    assert r["code"] == 400 and "Fractional quantity (1.5)" in r["message"], r
