"""Option analytics from Python: ATM/ITM/OTM resolution over the simulator's master and the
sandbox's prices, and Black-76 / Black–Scholes values checked against an independent
closed form written here with `math.erf` (not the Rust code under test)."""

import math
from datetime import date, datetime
from decimal import Decimal

import pytest

import openalgo_rs
from openalgo_rs import Sandbox, SymbolTable

TODAY = date(2026, 11, 25)
MORNING = datetime(2026, 11, 25, 10, 0, 0)


def n_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def n_pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def black76(kind, f, k, t, r, sigma):
    """Price and Greeks in the reference's units (theta per day, vega and rho per 1 %)."""
    d1 = (math.log(f / k) + 0.5 * sigma * sigma * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    disc = math.exp(-r * t)
    if kind == "CE":
        price = disc * (f * n_cdf(d1) - k * n_cdf(d2))
        delta = disc * n_cdf(d1)
        theta = -f * disc * n_pdf(d1) * sigma / (2 * math.sqrt(t)) + r * price
    else:
        price = disc * (k * n_cdf(-d2) - f * n_cdf(-d1))
        delta = -disc * n_cdf(-d1)
        theta = -f * disc * n_pdf(d1) * sigma / (2 * math.sqrt(t)) + r * price
    gamma = disc * n_pdf(d1) / (f * sigma * math.sqrt(t))
    vega = f * disc * n_pdf(d1) * math.sqrt(t)
    rho = -t * price
    return {"price": price, "delta": delta, "gamma": gamma, "theta": theta / 365.0,
            "vega": vega / 100.0, "rho": rho / 100.0}


def bsm_call(s, k, t, r, q, sigma):
    d1 = (math.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    return s * math.exp(-q * t) * n_cdf(d1) - k * math.exp(-r * t) * n_cdf(d2)


@pytest.fixture(scope="module")
def table():
    return SymbolTable.simulator(TODAY)


def ladder(table, expiry, kind):
    return [row["strike"] for row in table.option_chain("NIFTY", "NFO", expiry) if row[kind]]


def test_resolution_counts_listed_strikes_from_the_nearest(table):
    expiry = table.expiries("NIFTY", "NFO", today=TODAY)[0]  # "DD-MMM-YY"
    compact = expiry.replace("-", "")
    calls = ladder(table, expiry, "CE")
    ltp = (calls[len(calls) // 2] + calls[len(calls) // 2 + 1]) / 2 + Decimal("0.35")  # just above a midpoint
    atm = min(calls, key=lambda s: (abs(s - ltp), s))
    i = calls.index(atm)

    got = table.resolve_option("NIFTY", "NSE_INDEX", "ATM", "ce", ltp, expiry_date=compact.lower())
    assert got["strike"] == atm and got["atm_strike"] == atm
    assert got["exchange"] == "NFO" and got["underlying_ltp"] == ltp
    assert table.get(got["symbol"], "NFO")["lotsize"] == got["lotsize"]

    # A call's ITM is below ATM, a put's ITM above (rest-api §2.7).
    assert table.resolve_option("NIFTY", "NSE_INDEX", "ITM2", "CE", ltp, expiry_date=compact)["strike"] == calls[i - 2]
    puts = ladder(table, expiry, "PE")
    j = puts.index(atm)
    assert table.resolve_option("NIFTY", "NFO", "ITM2", "PE", ltp, expiry_date=compact)["strike"] == puts[j + 2]
    assert table.resolve_option("NIFTY", "NFO", "otm3", "PE", ltp, expiry_date=compact)["strike"] == puts[j - 3]

    # The expiry may be embedded in the underlying; an explicit one wins.
    embedded = table.resolve_option(f"NIFTY{compact}FUT", "NSE_INDEX", "ATM", "CE", ltp)
    assert embedded["symbol"] == got["symbol"]


def test_arithmetic_strikes_and_errors(table):
    expiry = table.expiries("NIFTY", "NFO", today=TODAY)[0].replace("-", "")
    calls = ladder(table, table.expiries("NIFTY", "NFO", today=TODAY)[0], "CE")
    step = int(calls[1] - calls[0])
    ltp = calls[5] + Decimal(step) * Decimal("0.4")
    got = table.resolve_option("NIFTY", "NSE_INDEX", "OTM1", "CE", ltp, expiry_date=expiry, strike_int=step)
    assert got["atm_strike"] == calls[5] and got["strike"] == calls[6]

    with pytest.raises(openalgo_rs.ValidationError, match="Expiry date required"):
        table.resolve_option("NIFTY", "NSE_INDEX", "ATM", "CE", ltp)
    with pytest.raises(openalgo_rs.ValidationError, match="Offset must be ATM, ITM1-ITM50, or OTM1-OTM50"):
        table.resolve_option("NIFTY", "NSE_INDEX", "ITM51", "CE", ltp, expiry_date=expiry)
    with pytest.raises(openalgo_rs.ValidationError, match="out of range"):
        table.resolve_option("NIFTY", "NSE_INDEX", "OTM50", "CE", ltp, expiry_date=expiry)
    with pytest.raises(openalgo_rs.NotFoundError, match="No strikes found for NIFTY expiring 01JAN20"):
        table.resolve_option("NIFTY", "NSE_INDEX", "ATM", "CE", ltp, expiry_date="01JAN20")
    with pytest.raises(openalgo_rs.SymbolNotFoundError, match="not found in NFO"):
        table.resolve_option("NIFTY", "NSE_INDEX", "ATM", "CE", ltp, expiry_date=expiry, strike_int=7)


def test_option_greeks_match_an_independent_black76():
    # Spec example shape: NIFTY, 28.5 days, forward 25966.05, strike 26000, price 435.
    now = datetime(2026, 7, 28, 3, 20, 0)
    got = openalgo_rs.option_greeks(option_type="CE", forward="25966.05", strike=26000, option_price=435,
                                    expiry="25AUG26", exchange="NFO", interest_rate=0, now=now)
    days = float(got["days_to_expiry"])
    t = (datetime(2026, 8, 25, 15, 30) - now).total_seconds() / 86400 / 365
    assert days == pytest.approx(t * 365, abs=1e-4)
    sigma = float(got["implied_volatility"]) / 100
    ref = black76("CE", 25966.05, 26000, t, 0.0, sigma)
    # The reported IV is rounded to 0.01 %: the model price at it is within that rounding.
    assert ref["price"] == pytest.approx(435, abs=0.5)
    g = {k: float(v) for k, v in got["greeks"].items()}
    assert g["delta"] == pytest.approx(ref["delta"], abs=2e-3)
    assert g["gamma"] == pytest.approx(ref["gamma"], rel=5e-3)
    assert g["theta"] == pytest.approx(ref["theta"], rel=5e-3)
    assert g["vega"] == pytest.approx(ref["vega"], rel=5e-3)
    assert isinstance(got["greeks"]["delta"], Decimal)
    with pytest.raises(openalgo_rs.ValidationError, match="expired"):
        openalgo_rs.option_greeks(option_type="PE", forward=100, strike=100, option_price=2,
                                  expiry="25AUG25", now=now)


@pytest.mark.parametrize("kind", ["CE", "PE"])
def test_model_prices_greeks_and_iv_round_trip(kind):
    f, k, t, r, sigma = 24500.0, 24800.0, 12 / 365, 0.065, 0.142
    got = openalgo_rs.option_price(option_type=kind, underlying=f, strike=k, volatility=sigma, years=t, rate=r)
    ref = black76(kind, f, k, t, r, sigma)
    for name in ("price", "delta", "gamma", "theta", "vega", "rho"):
        assert got[name] == pytest.approx(ref[name], rel=1e-9, abs=1e-12), name
    iv = openalgo_rs.implied_volatility(option_type=kind, underlying=f, strike=k, price=got["price"], years=t, rate=r)
    assert iv == pytest.approx(sigma, abs=1e-9)
    # Put-call parity under Black-76: C - P = e^{-rt} (F - K).
    c = openalgo_rs.option_price(option_type="CE", underlying=f, strike=k, volatility=sigma, years=t, rate=r)["price"]
    p = openalgo_rs.option_price(option_type="PE", underlying=f, strike=k, volatility=sigma, years=t, rate=r)["price"]
    assert c - p == pytest.approx(math.exp(-r * t) * (f - k), abs=1e-8)


def test_black_scholes_with_dividends_and_no_fit():
    got = openalgo_rs.option_price(option_type="CE", underlying=800, strike=820, volatility=0.3, years=0.25,
                                   rate=0.07, model="bsm", dividend_yield=0.02)
    assert got["price"] == pytest.approx(bsm_call(800, 820, 0.25, 0.07, 0.02, 0.3), rel=1e-10)
    with pytest.raises(openalgo_rs.ValidationError, match="intrinsic"):
        openalgo_rs.implied_volatility(option_type="CE", underlying=1000, strike=800, price=150, years=0.5)
    with pytest.raises(openalgo_rs.ValidationError, match="maximum"):
        openalgo_rs.implied_volatility(option_type="CE", underlying=100, strike=100, price=120, years=0.5)
    with pytest.raises(openalgo_rs.ValidationError, match="model"):
        openalgo_rs.option_price(option_type="CE", underlying=1, strike=1, volatility=0.1, years=1, model="heston")


def test_sandbox_resolves_from_its_ticks_and_prices_greeks():
    sb = Sandbox(now=MORNING)
    table = SymbolTable.simulator(MORNING.date())
    expiry = table.expiries("NIFTY", "NFO", today=MORNING.date())[0]
    compact = expiry.replace("-", "")
    with pytest.raises(openalgo_rs.NotFoundError, match="no price for NIFTY"):
        sb.resolve_option("NIFTY", "NSE_INDEX", "ATM", "CE", expiry_date=compact)

    calls = ladder(table, expiry, "CE")
    spot = calls[len(calls) // 2] + Decimal("3.2")
    sb.tick("NIFTY", "NSE_INDEX", spot)
    atm = sb.resolve_option("NIFTY", "NFO", "ATM", "CE", expiry_date=compact)
    assert atm == table.resolve_option("NIFTY", "NSE_INDEX", "ATM", "CE", spot, expiry_date=compact)
    assert sb.resolve_option("NIFTY", "NSE_INDEX", "ATM", "CE", expiry_date=compact,
                             underlying_ltp=spot + 1000)["strike"] > atm["strike"]

    with pytest.raises(openalgo_rs.NotFoundError, match="no price for"):
        sb.option_greeks(atm["symbol"], "NFO")
    sb.tick(atm["symbol"], "NFO", "120.5")
    g = sb.option_greeks(atm["symbol"], "NFO", interest_rate="6.5")
    assert g["symbol"] == atm["symbol"] and g["underlying"] == "NIFTY"
    assert g["forward_price"] == spot and g["option_price"] == Decimal("120.5")
    same = openalgo_rs.option_greeks(option_type="CE", forward=spot, strike=atm["strike"], option_price="120.5",
                                     expiry=compact, interest_rate="6.5", now=MORNING)
    assert g["implied_volatility"] == same["implied_volatility"] and g["greeks"] == same["greeks"]
    assert Decimal("0.3") < g["greeks"]["delta"] < Decimal("0.7")
    forward = sb.option_greeks(atm["symbol"], "NFO", forward_price=spot + 50)
    assert forward["greeks"]["delta"] > g["greeks"]["delta"]
    with pytest.raises(openalgo_rs.ValidationError, match="not an option"):
        sb.tick("SBIN", "NSE", "800")
        sb.option_greeks("SBIN", "NSE")
