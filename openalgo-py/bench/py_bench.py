"""Benchmarks of openalgo_rs from Python (run by scripts/py-bench).

    python py_bench.py client HOST API_KEY [N]   N sequential placeorder calls (MARKET SBIN NSE
                                                MIS qty 1, BUY/SELL alternately) through the
                                                official client installed here and through
                                                openalgo_rs.api, interleaved in two rounds
    python py_bench.py sandbox [N]              the embedded Sandbox: N MARKET orders placed and
                                                filled from a Python loop, then by the same loop
                                                in Rust (place_round_trips)
"""

import importlib.metadata
import sys
import time
from datetime import datetime


def bench_client(client, n):
    client.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=1)  # warm-up
    t0 = time.perf_counter()
    for i in range(n):
        r = client.placeorder(strategy="bench", symbol="SBIN", action="BUY" if i % 2 == 0 else "SELL",
                              exchange="NSE", price_type="MARKET", product="MIS", quantity=1)
        if r.get("status") != "success":
            raise SystemExit(f"placeorder failed: {r}")
    return time.perf_counter() - t0


def clients(host, key, n):
    import openalgo
    import openalgo_rs

    version = importlib.metadata.version("openalgo")
    py = ".".join(map(str, sys.version_info[:3]))
    rounds = 2
    per_round = n // rounds
    official = ours = 0.0
    for _ in range(rounds):
        official += bench_client(openalgo.api(api_key=key, host=host), per_round)
        ours += bench_client(openalgo_rs.api(api_key=key, host=host), per_round)
    done = per_round * rounds
    for name, t in [(f"official openalgo {version}", official), ("openalgo_rs.api", ours)]:
        print(f"Python {py}: {done:,} sequential placeorder via {name}: {t:.2f} s, "
              f"{done / t:,.0f} calls/s, {t / done * 1e6:,.0f} us/call", flush=True)
    print(f"Python {py}: openalgo_rs.api is {official / ours:.1f}x faster than openalgo {version}", flush=True)


def sandbox(n):
    import openalgo_rs

    def fresh():
        sb = openalgo_rs.Sandbox(now=datetime(2026, 11, 25, 10, 0), capital="100000000")
        sb.tick("SBIN", "NSE", "800.00", bid="799.95", ask="800.05")
        return sb

    sb = fresh()
    place = sb.place
    t0 = time.perf_counter()
    for _ in range(n // 2):
        place(symbol="SBIN", exchange="NSE", action="BUY", quantity=1)
        place(symbol="SBIN", exchange="NSE", action="SELL", quantity=1)
    py_loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    fresh().place_round_trips(symbol="SBIN", exchange="NSE", count=n)
    rs_loop = time.perf_counter() - t0
    print(f"Sandbox.place from a Python loop, {n:,} MARKET orders placed and filled: "
          f"{py_loop:.2f} s, {n / py_loop:,.0f} orders/s", flush=True)
    print(f"Sandbox.place_round_trips (the loop in Rust), {n:,} orders: {rs_loop:.2f} s, "
          f"{n / rs_loop:,.0f} orders/s", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "client":
        clients(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 10_000)
    else:
        sandbox(int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
