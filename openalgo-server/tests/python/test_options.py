"""The official client's option methods (rest-api §4.4) against our server on the simulator:
answers checked against the chain, the quotes and each other, not just for "success". The
simulator ticks once a minute here so that answers read a moment apart see the same prices;
comparisons that straddle a tick are retried."""

import pytest
from openalgo import api

from conftest import _serve


@pytest.fixture(scope="module")
def options_server():
    yield from _serve({"OPENALGO_SIMULATOR_TICK_MS": "60000"})


@pytest.fixture(scope="module")
def client(options_server):
    return api(api_key=options_server["key"], host=options_server["host"])


@pytest.fixture(scope="module")
def expiry(client):
    e = client.expiry(symbol="NIFTY", exchange="NFO", instrumenttype="options")
    assert e["status"] == "success", e
    return e["data"][0].replace("-", "")


def steady(read, attempts=4):
    """`read()` until two calls in a row give the same answer (no tick in between)."""
    last = read()
    for _ in range(attempts):
        now = read()
        if now == last:
            return now
        last = now
    pytest.fail("prices never held still between two reads")


def full_chain(client, expiry):
    c = client.optionchain(underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry)
    assert c["status"] == "success", c
    return c


def nearest(strikes, ltp):
    return min(strikes, key=lambda s: (abs(s - ltp), s))


def option_symbol(expiry, strike, kind):
    return f"NIFTY{expiry}{int(strike) if strike == int(strike) else strike}{kind}"


def test_optionsymbol_counts_listed_strikes_from_atm(client, expiry):
    def read():
        chain = full_chain(client, expiry)
        ce = client.optionsymbol(underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry,
                                 offset="ITM3", option_type="CE")
        pe = client.optionsymbol(underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry,
                                 offset="ITM3", option_type="PE", strategy="ignored")
        return chain, ce, pe
    chain, ce, pe = steady(read)
    strikes = [row["strike"] for row in chain["chain"]]
    atm = strikes.index(nearest(strikes, chain["underlying_ltp"]))
    assert chain["atm_strike"] == strikes[atm]
    assert ce["symbol"] == option_symbol(expiry, strikes[atm - 3], "CE"), ce
    assert pe["symbol"] == option_symbol(expiry, strikes[atm + 3], "PE"), pe
    assert ce["exchange"] == "NFO" and ce["underlying_ltp"] == chain["underlying_ltp"]
    lot = client.symbol(symbol=ce["symbol"], exchange="NFO")["data"]["lotsize"]
    assert ce["lotsize"] == lot and ce["freeze_qty"] == 1800
    bad = client.optionsymbol(underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry,
                              offset="ITM99", option_type="CE")
    assert bad["status"] == "error" and bad["code"] == 400, bad
    assert "Offset must be ATM, ITM1-ITM50, or OTM1-OTM50" in bad["message"]


def test_optionsorder_plain_and_split(client, expiry):
    r = client.optionsorder(strategy="Py", underlying="NIFTY", exchange="NSE_INDEX",
                            expiry_date=expiry, offset="OTM2", option_type="CE", action="BUY",
                            quantity=75)
    assert r["status"] == "success", r
    assert r["offset"] == "OTM2" and r["option_type"] == "CE" and r["underlying"] == "NIFTY"
    book = client.orderbook()["data"]["orders"]
    placed = next(o for o in book if o["orderid"] == r["orderid"])
    assert placed["symbol"] == r["symbol"] and placed["exchange"] == "NFO"
    assert int(placed["quantity"]) == 75 and placed["action"] == "BUY"
    s = client.optionsorder(underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry,
                            offset="ATM", option_type="PE", action="SELL", quantity=225,
                            splitsize=75, product="NRML")
    assert s["status"] == "success", s
    assert s["total_quantity"] == 225 and s["split_size"] == 75
    assert [x["quantity"] for x in s["results"]] == [75, 75, 75]
    ids = {x["orderid"] for x in s["results"]}
    rows = [o for o in client.orderbook()["data"]["orders"] if o["orderid"] in ids]
    assert len(rows) == 3 and {o["symbol"] for o in rows} == {s["symbol"]}
    assert {o["product"] for o in rows} == {"NRML"}
    missing = client.optionsorder(underlying="NIFTY", exchange="NSE_INDEX", offset="ATM",
                                  option_type="PE", action="BUY", quantity=75)
    assert missing["code"] == 400 and "Expiry date required" in missing["message"]


def test_optionsmultiorder_places_buys_first(client, expiry):
    if not hasattr(client, "optionsmultiorder"):
        pytest.skip("this client version has no optionsmultiorder")
    r = client.optionsmultiorder(
        strategy="Py", underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry,
        legs=[{"offset": "OTM3", "option_type": "CE", "action": "SELL", "quantity": 75},
              {"offset": "OTM6", "option_type": "CE", "action": "BUY", "quantity": 75},
              {"offset": "OTM3", "option_type": "PE", "action": "SELL", "quantity": 75},
              {"offset": "OTM6", "option_type": "PE", "action": "BUY", "quantity": 150,
               "splitsize": 75}])
    assert r["status"] == "success", r
    res = r["results"]
    assert [x["leg"] for x in res] == [1, 2, 3, 4]
    assert all(x["status"] == "success" and x["mode"] == "live" for x in res), res
    # The client drops a leg's splitsize: leg 4 is one order of 150.
    assert "split_results" not in res[3]
    ids = [int(x["orderid"]) for x in res]
    assert max(ids[1], ids[3]) < min(ids[0], ids[2]), ids
    assert ids[1] < ids[3] and ids[0] < ids[2]


def test_optionchain_with_and_without_greeks(client, expiry):
    plain = client.optionchain(underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry,
                               strike_count=2)
    assert plain["status"] == "success", plain
    assert len(plain["chain"]) == 5 and plain["greeks_included"] is False
    labels = [(row["ce"]["label"], row["pe"]["label"]) for row in plain["chain"]]
    assert labels == [("ITM2", "OTM2"), ("ITM1", "OTM1"), ("ATM", "ATM"), ("OTM1", "ITM1"),
                      ("OTM2", "ITM2")]
    assert "delta" not in plain["chain"][0]["ce"]

    def read():
        g = client.optionchain(underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry,
                               strike_count=1, with_greeks=True)
        q = client.quotes(symbol=g["chain"][1]["ce"]["symbol"], exchange="NFO")
        return g, q
    g, q = steady(read)
    assert g["greeks_included"] is True
    atm = g["chain"][1]
    assert atm["ce"]["ltp"] == q["data"]["ltp"] and atm["ce"]["oi"] == q["data"]["oi"]
    # The forward is the ATM synthetic future; calls gain and puts lose with the price.
    assert g["forward_price"] == round(atm["strike"] + atm["ce"]["ltp"] - atm["pe"]["ltp"], 2)
    for row in g["chain"]:
        assert 0 < row["ce"]["delta"] < 1 and -1 < row["pe"]["delta"] < 0, row
        assert row["ce"]["implied_volatility"] > 0 and row["ce"]["gamma"] > 0
    deltas = [row["ce"]["delta"] for row in g["chain"]]
    assert deltas == sorted(deltas, reverse=True)


def test_optiongreeks_agree_with_the_chain(client, expiry):
    def read():
        c = client.optionchain(underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry,
                               strike_count=1, with_greeks=True)
        g = client.optiongreeks(symbol=c["chain"][1]["pe"]["symbol"], exchange="NFO")
        return c, g
    c, g = steady(read)
    assert g["status"] == "success", g
    row = c["chain"][1]["pe"]
    assert g["option_type"] == "PE" and g["strike"] == c["chain"][1]["strike"]
    assert g["option_price"] == row["ltp"] and g["forward_price"] == c["forward_price"]
    assert g["implied_volatility"] == row["implied_volatility"]
    for k in ("delta", "gamma", "theta", "vega"):
        assert g["greeks"][k] == row[k], k
    # A forward given by the caller is used as is.
    f = client.optiongreeks(symbol=row["symbol"], exchange="NFO", forward_price=g["forward_price"] + 100)
    assert f["forward_price"] == g["forward_price"] + 100 and f["greeks"]["delta"] != g["greeks"]["delta"]


def test_optiongreeks_bad_key_is_401(options_server):
    bad = api(api_key="0" * 64, host=options_server["host"])
    r = bad.optiongreeks(symbol="NIFTY01DEC2626000CE", exchange="NFO")
    assert r["status"] == "error" and r["code"] == 401, r
    r = bad.optionchain(underlying="NIFTY", exchange="NSE_INDEX", expiry_date="01DEC26")
    assert r["code"] == 403, r


def test_syntheticfuture_is_strike_plus_call_minus_put(client, expiry):
    def read():
        s = client.syntheticfuture(underlying="NIFTY", exchange="NSE_INDEX", expiry_date=expiry)
        k = s["atm_strike"]
        ce = client.quotes(symbol=option_symbol(expiry, k, "CE"), exchange="NFO")["data"]["ltp"]
        pe = client.quotes(symbol=option_symbol(expiry, k, "PE"), exchange="NFO")["data"]["ltp"]
        return s, ce, pe
    s, ce, pe = steady(read)
    assert s["status"] == "success", s
    assert s["synthetic_future_price"] == round(s["atm_strike"] + ce - pe, 2)
    assert s["expiry"] == expiry and s["underlying"] == "NIFTY"
