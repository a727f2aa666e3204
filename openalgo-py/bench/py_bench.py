"""Benchmarks of openalgo_rs from Python (run by scripts/py-bench):

1. N sequential `placeorder` calls (MARKET, SBIN, NSE, MIS, qty 1) against a running server,
   through the official `openalgo` client and through `openalgo_rs.api`, alternately in
   rounds so server-side drift affects both alike.
2. The embedded Sandbox's order throughput from Python: `Sandbox.place` in a Python loop
   (MARKET orders alternating BUY/SELL, each placed and filled), and the same loop in Rust
   (`place_round_trips`).

Usage: python py_bench.py HOST API_KEY [N]
"""

import sys
import time
from datetime import datetime


def bench_client(make, n):
    client = make()
    client.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=1)  # warm-up
    t0 = time.perf_counter()
    for i in range(n):
        r = client.placeorder(strategy="bench", symbol="SBIN", action="BUY" if i % 2 == 0 else "SELL",
                              exchange="NSE", price_type="MARKET", product="MIS", quantity=1)
        if r.get("status") != "success":
            raise SystemExit(f"placeorder failed: {r}")
    return time.perf_counter() - t0


def bench_sandbox(n):
    import openalgo_rs

    sb = openalgo_rs.Sandbox(now=datetime(2026, 11, 25, 10, 0), capital="100000000")
    sb.tick("SBIN", "NSE", "800.00", bid="799.95", ask="800.05")
    place = sb.place
    t0 = time.perf_counter()
    for i in range(n // 2):
        place(symbol="SBIN", exchange="NSE", action="BUY", quantity=1)
        place(symbol="SBIN", exchange="NSE", action="SELL", quantity=1)
    python_loop = time.perf_counter() - t0
    sb2 = openalgo_rs.Sandbox(now=datetime(2026, 11, 25, 10, 0), capital="100000000")
    sb2.tick("SBIN", "NSE", "800.00", bid="799.95", ask="800.05")
    t0 = time.perf_counter()
    sb2.place_round_trips(symbol="SBIN", exchange="NSE", count=n)
    rust_loop = time.perf_counter() - t0
    return python_loop, rust_loop


def main():
    host, key = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    import openalgo
    import openalgo_rs

    rounds = 2
    per_round = n // rounds
    official = ours = 0.0
    for _ in range(rounds):
        official += bench_client(lambda: openalgo.api(api_key=key, host=host), per_round)
        ours += bench_client(lambda: openalgo_rs.api(api_key=key, host=host), per_round)
    done = per_round * rounds
    print(f"placeorder x{done} sequential, official openalgo {openalgo.__version__ if hasattr(openalgo, '__version__') else ''}: "
          f"{official:.2f} s, {done / official:,.0f} orders/s, {official / done * 1e6:,.0f} us/call")
    print(f"placeorder x{done} sequential, openalgo_rs.api: "
          f"{ours:.2f} s, {done / ours:,.0f} orders/s, {ours / done * 1e6:,.0f} us/call")
    print(f"speed-up: {official / ours:.1f}x")

    m = 1_000_000
    py_loop, rs_loop = bench_sandbox(m)
    print(f"Sandbox.place from a Python loop, {m:,} MARKET orders placed and filled: "
          f"{py_loop:.2f} s, {m / py_loop:,.0f} orders/s")
    print(f"Sandbox.place_round_trips (loop in Rust), {m:,} orders: {rs_loop:.2f} s, {m / rs_loop:,.0f} orders/s")


if __name__ == "__main__":
    main()
