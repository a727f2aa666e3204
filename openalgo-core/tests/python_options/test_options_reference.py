"""Independent reference for openalgo-core's option maths.

Prices, Greeks and implied volatilities for a fixed grid are computed here from the textbook
formulas (Black-76; Black-Scholes-Merton in its spot form) with scipy's normal distribution and
scipy's Brent root finder, and compared with the values that openalgo-core's `option_values`
example prints. When py_vollib is installed, its analytical Black-76 and BSM Greeks are compared
too. Units are the reference's (OpenAlgo optiongreeks, py_vollib conventions): theta per
calendar day (/365), vega and rho per one percentage point (/100).

Run through `scripts/options-reference`, which builds the example and sets OPTION_VALUES_BIN.
"""

import itertools
import json
import math
import os
import subprocess

import pytest
from scipy.optimize import brentq
from scipy.stats import norm

REL = 1e-9  # relative tolerance on prices and Greeks
IV_TOL = 1e-6  # absolute tolerance on implied volatility (decimal, 0.15 = 15 %)

SPOTS = [100.0, 24_000.0]
MONEYNESS = [0.8, 0.95, 1.0, 1.05, 1.25]
YEARS = [1 / 365, 7 / 365, 30 / 365, 0.5, 2.0]
RATES = [0.0, 0.065]
SIGMAS = [0.08, 0.2, 0.6]
MODELS = [("black76", 0.0), ("bsm", 0.0), ("bsm", 0.03)]
TYPES = ["CE", "PE"]


def textbook(model, q, kind, s, k, t, r, sigma):
    """Price and Greeks from the textbook closed forms (Hull)."""
    call = kind == "CE"
    sq = math.sqrt(t)
    dr = math.exp(-r * t)
    if model == "black76":
        f = s
        d1 = (math.log(f / k) + 0.5 * sigma * sigma * t) / (sigma * sq)
        d2 = d1 - sigma * sq
        if call:
            price = dr * (f * norm.cdf(d1) - k * norm.cdf(d2))
            delta = dr * norm.cdf(d1)
        else:
            price = dr * (k * norm.cdf(-d2) - f * norm.cdf(-d1))
            delta = -dr * norm.cdf(-d1)
        gamma = dr * norm.pdf(d1) / (f * sigma * sq)
        vega = f * dr * norm.pdf(d1) * sq
        theta = -f * dr * norm.pdf(d1) * sigma / (2 * sq) + r * price
        rho = -t * price
    else:
        dq = math.exp(-q * t)
        d1 = (math.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / (sigma * sq)
        d2 = d1 - sigma * sq
        decay = -s * dq * norm.pdf(d1) * sigma / (2 * sq)
        if call:
            price = s * dq * norm.cdf(d1) - k * dr * norm.cdf(d2)
            delta = dq * norm.cdf(d1)
            theta = decay - r * k * dr * norm.cdf(d2) + q * s * dq * norm.cdf(d1)
            rho = k * t * dr * norm.cdf(d2)
        else:
            price = k * dr * norm.cdf(-d2) - s * dq * norm.cdf(-d1)
            delta = -dq * norm.cdf(-d1)
            theta = decay + r * k * dr * norm.cdf(-d2) - q * s * dq * norm.cdf(-d1)
            rho = -k * t * dr * norm.cdf(-d2)
        gamma = dq * norm.pdf(d1) / (s * sigma * sq)
        vega = s * dq * norm.pdf(d1) * sq
    return {
        "price": price,
        "delta": delta,
        "gamma": gamma,
        "theta": theta / 365.0,
        "vega": vega / 100.0,
        "rho": rho / 100.0,
    }


def bounds(model, q, kind, s, k, t, r):
    dr = math.exp(-r * t)
    under = s * dr if model == "black76" else s * math.exp(-q * t)
    if kind == "CE":
        return max(under - k * dr, 0.0), under
    return max(k * dr - under, 0.0), k * dr


def brent_iv(model, q, kind, s, k, t, r, price):
    def f(v):
        return textbook(model, q, kind, s, k, t, r, v)["price"] - price

    return brentq(f, 1e-9, 20.0, xtol=1e-15, rtol=1e-15, maxiter=500)


def grid():
    rows = []
    for i, ((model, q), kind, s, m, t, r, sigma) in enumerate(
        itertools.product(MODELS, TYPES, SPOTS, MONEYNESS, YEARS, RATES, SIGMAS)
    ):
        rows.append(
            {
                "id": i,
                "model": model,
                "q": q,
                "option_type": kind,
                "underlying": s,
                "strike": s * m,
                "years": t,
                "rate": r,
                "sigma": sigma,
            }
        )
    return rows


def run_ours(rows):
    binary = os.environ.get("OPTION_VALUES_BIN")
    if not binary:
        pytest.skip("OPTION_VALUES_BIN is not set; run scripts/options-reference")
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    out = subprocess.run([binary], input=text, capture_output=True, text=True, check=True)
    answers = {}
    for line in out.stdout.splitlines():
        a = json.loads(line)
        answers[a["id"]] = a
    assert len(answers) == len(rows)
    return answers


def args(row):
    return (
        row["model"],
        row["q"],
        row["option_type"],
        row["underlying"],
        row["strike"],
        row["years"],
        row["rate"],
    )


def close(ours, ref, floor):
    return abs(ours - ref) <= REL * abs(ref) + floor


def floors(s):
    # Absolute floors far below anything displayed: the price scale times 1e-12.
    return {
        "price": 1e-12 * s,
        "delta": 1e-12,
        "gamma": 1e-12 / s,
        "theta": 1e-12 * s,
        "vega": 1e-12 * s,
        "rho": 1e-12 * s,
    }


@pytest.fixture(scope="module")
def rows():
    return grid()


@pytest.fixture(scope="module")
def priced(rows):
    return run_ours(rows)


def test_prices_and_greeks_match_textbook(rows, priced):
    bad = []
    for row in rows:
        ref = textbook(*args(row), row["sigma"])
        ours = priced[row["id"]]
        assert "error" not in ours, (row, ours)
        fl = floors(row["underlying"])
        for key, value in ref.items():
            if not close(ours[key], value, fl[key]):
                bad.append((row, key, ours[key], value))
    assert not bad, f"{len(bad)} mismatches, first: {bad[:3]}"


def test_implied_volatility_matches_brent(rows):
    queries, expected = [], {}
    for row in rows:
        ref_price = textbook(*args(row), row["sigma"])["price"]
        lo, hi = bounds(*args(row))
        # Prices this close to a bound carry no volatility information in double precision.
        if ref_price - lo < 1e-7 * hi or hi - ref_price < 1e-7 * hi:
            continue
        q = {k: v for k, v in row.items() if k != "sigma"}
        q["price"] = ref_price
        queries.append(q)
        expected[row["id"]] = brent_iv(*args(row), ref_price)
    assert len(queries) > len(rows) // 2
    ours = run_ours(queries)
    bad = []
    for q in queries:
        a = ours[q["id"]]
        if "error" in a or abs(a["iv"] - expected[q["id"]]) > IV_TOL:
            bad.append((q, a, expected[q["id"]]))
    assert not bad, f"{len(bad)} mismatches, first: {bad[:3]}"


def test_no_volatility_fits_is_an_error():
    s, k, t, r = 24_000.0, 23_000.0, 30 / 365, 0.065
    dr = math.exp(-r * t)
    base = {"model": "black76", "q": 0.0, "underlying": s, "strike": k, "years": t, "rate": r}
    cases = [
        dict(base, id=0, option_type="CE", price=0.999 * (s - k) * dr),  # below intrinsic
        dict(base, id=1, option_type="CE", price=s * dr),  # at the maximum
        dict(base, id=2, option_type="PE", price=-1.0),  # not positive
        dict(base, id=3, option_type="PE", price=10.0, years=0.0),  # expired
    ]
    ours = run_ours(cases)
    assert "intrinsic" in ours[0]["error"]
    assert "maximum" in ours[1]["error"]
    assert "greater than zero" in ours[2]["error"]
    assert "expired" in ours[3]["error"]


def test_py_vollib_agrees(rows, priced):
    pv = pytest.importorskip("py_vollib")
    from py_vollib.black import black
    from py_vollib.black.greeks import analytical as b76
    from py_vollib.black_scholes_merton import black_scholes_merton as bsm_price
    from py_vollib.black_scholes_merton.greeks import analytical as bsm

    assert pv is not None
    bad = []
    for row in rows:
        flag = "c" if row["option_type"] == "CE" else "p"
        s, k, t, r, v, q = (
            row["underlying"],
            row["strike"],
            row["years"],
            row["rate"],
            row["sigma"],
            row["q"],
        )
        if row["model"] == "black76":
            ref = {
                "price": black(flag, s, k, t, r, v),
                "delta": b76.delta(flag, s, k, t, r, v),
                "gamma": b76.gamma(flag, s, k, t, r, v),
                "theta": b76.theta(flag, s, k, t, r, v),
                "vega": b76.vega(flag, s, k, t, r, v),
                "rho": b76.rho(flag, s, k, t, r, v),
            }
        else:
            ref = {
                "price": bsm_price(flag, s, k, t, r, v, q),
                "delta": bsm.delta(flag, s, k, t, r, v, q),
                "gamma": bsm.gamma(flag, s, k, t, r, v, q),
                "theta": bsm.theta(flag, s, k, t, r, v, q),
                "vega": bsm.vega(flag, s, k, t, r, v, q),
                "rho": bsm.rho(flag, s, k, t, r, v, q),
            }
        ours = priced[row["id"]]
        fl = floors(s)
        for key, value in ref.items():
            if not close(ours[key], float(value), fl[key]):
                bad.append((row, key, ours[key], float(value)))
    assert not bad, f"{len(bad)} mismatches, first: {bad[:3]}"
