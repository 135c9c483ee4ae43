"""Benchmark: price N (quantity, spec) pairs across all seven models (target ≥ 200,000/s).

    python bench/pricing.py              # N = 1,000,000: PASS or FAIL against the target
    python bench/pricing.py --smoke      # N = 20,000: checks it runs and the results add up
    python bench/pricing.py -n 200000 --profile

A small catalog of specs (two or three per model, shaped like real price lists: telecom
per-unit rates, graduated and volume tiers with flat fees, SMS packages with free units, card
payment fees with free transactions and a clamp, graduated payment fees) is parsed once. The
work is generated first with a fixed seed: a realistic mix of models, whole and fractional
quantities (minutes, gigabytes with three decimals), quantities exactly on tier bounds and
zero, and periods of 0 to 12 transactions. Only the pricing loop is timed, in one process:
one :func:`tarifa.pricing.price` call per pair, each building its amount and breakdown.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from decimal import Decimal
from typing import Any

from tarifa.pricing import PriceResult, Spec, parse_spec, price
from tarifa.pricing.decimals import add  # pricing's 38-digit context: the checksum is exact

TARGET_PER_SECOND = 200_000
SEED = 20240601

CATALOG: dict[str, list[dict[str, Any]]] = {
    "flat": [{"model": "flat", "amount": "25.00"}, {"model": "flat", "amount": "4.99"}],
    "per_unit": [
        {"model": "per_unit", "unit_price": "0.0125"},  # a minute of national calls
        {"model": "per_unit", "unit_price": "0.000002"},  # an API call
        {"model": "per_unit", "unit_price": "1.50"},  # a gigabyte of roaming data
    ],
    "graduated": [
        {"model": "graduated", "tiers": [
            {"up_to": 10, "unit_price": "10", "flat_fee": "2"},
            {"up_to": 20, "unit_price": "5", "flat_fee": "3"},
            {"unit_price": "5", "flat_fee": "3"}]},
        {"model": "graduated", "tiers": [
            {"up_to": 1000, "unit_price": "0.01"}, {"up_to": 10000, "unit_price": "0.008"},
            {"up_to": 100000, "unit_price": "0.005"}, {"unit_price": "0.002"}]},
    ],
    "volume": [
        {"model": "volume", "tiers": [
            {"up_to": 100, "unit_price": "2", "flat_fee": "10"}, {"up_to": 200, "unit_price": "1"},
            {"unit_price": "0.5", "flat_fee": "50"}]},
        {"model": "volume", "tiers": [
            {"up_to": 10000, "unit_price": "0.0010", "flat_fee": "10"},
            {"up_to": 50000, "unit_price": "0.0008", "flat_fee": "10"},
            {"up_to": 100000, "unit_price": "0.0006", "flat_fee": "10"},
            {"unit_price": "0.0004", "flat_fee": "10"}]},
    ],
    "package": [
        {"model": "package", "package_size": 10, "package_price": "100", "free_units": 10},
        {"model": "package", "package_size": 100, "package_price": "5"},
        {"model": "package", "package_size": "0.5", "package_price": "2.50", "free_units": "1"},
    ],
    "percentage": [
        {"model": "percentage", "rate": "1.2", "fixed_fee": "0.10", "free_transactions": 3,
         "free_amount": "500", "min_per_transaction": "0.05", "max_per_transaction": "20"},
        {"model": "percentage", "rate": "2.9", "fixed_fee": "0.30"},
    ],
    "graduated_percentage": [
        {"model": "graduated_percentage", "tiers": [
            {"up_to": "1000", "rate": "1", "flat_fee": "200"},
            {"up_to": "10000", "rate": "2", "flat_fee": "300"}, {"rate": "3", "flat_fee": "400"}]},
        {"model": "graduated_percentage", "tiers": [{"up_to": "5000", "rate": "0.5"},
                                                    {"rate": "0.25"}]},
    ],
}  # fmt: skip

#: Share of each model in the work: usage charges dominate, payment fees are a minority.
MIX = {
    "flat": 10,
    "per_unit": 25,
    "graduated": 20,
    "volume": 10,
    "package": 10,
    "percentage": 15,
    "graduated_percentage": 10,
}

Work = tuple[Spec, Decimal | None, list[Decimal] | None]


def _quantity(rng: random.Random, model: str) -> Decimal:
    roll = rng.random()
    if roll < 0.05:
        return Decimal(0)
    if roll < 0.15:  # exactly on a bound, where off-by-one errors live
        return Decimal(rng.choice((10, 20, 100, 200, 1000, 10000)))
    if model == "per_unit" and roll < 0.5:
        return Decimal(rng.randrange(0, 5_000_000)).scaleb(-3)  # gigabytes, 3 decimals
    return Decimal(rng.randrange(1, 250_000 if model != "package" else 2_000))


def _transactions(rng: random.Random) -> list[Decimal]:
    count = rng.randrange(0, 13)
    return [Decimal(rng.randrange(100, 150_000)).scaleb(-2) for _ in range(count)]


def generate(count: int, seed: int = SEED) -> list[Work]:
    """``count`` pairs to price: a spec and its quantity or its transactions."""
    rng = random.Random(seed)
    specs = {model: [parse_spec(raw) for raw in raws] for model, raws in CATALOG.items()}
    models = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    work: list[Work] = []
    for model in models:
        spec = rng.choice(specs[model])
        # graduated_percentage is priced from its transactions half the time, else their total.
        by_transactions = model == "percentage" or (
            model == "graduated_percentage" and rng.random() < 0.5
        )
        if by_transactions:
            work.append((spec, None, _transactions(rng)))
        else:
            work.append((spec, _quantity(rng, model), None))
    return work


def run(work: list[Work], keep_every: int) -> tuple[float, Decimal, list[PriceResult]]:
    """Seconds spent, the sum of all amounts, and every ``keep_every``-th result.

    Results are consumed as a bill run would (their amounts summed) and dropped, not all
    kept: a million retained results would have the cyclic garbage collector walk them over
    and over, and time that instead of pricing.
    """
    kept: list[PriceResult] = []
    total = Decimal(0)
    start = time.perf_counter()
    for index, (spec, quantity, transactions) in enumerate(work):
        result = price(spec, quantity, transactions=transactions)
        total = add(total, result.amount)
        if not index % keep_every:
            kept.append(result)
    return time.perf_counter() - start, total, kept


def adds_up(results: list[PriceResult]) -> bool:
    """Every amount is a Decimal and equals the sum of its breakdown."""
    for result in results:
        total = Decimal(0)
        for item in result.breakdown:
            total = add(total, item.amount)
        if not isinstance(result.amount, Decimal) or total != result.amount:
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark the pricing models.")
    parser.add_argument("-n", "--count", type=int, default=None, help="prices (1,000,000)")
    parser.add_argument("--smoke", action="store_true", help="20,000 prices, no timing verdict")
    parser.add_argument("--profile", action="store_true", help="print a cProfile top-15")
    args = parser.parse_args()
    count = args.count or (20_000 if args.smoke else 1_000_000)

    work = generate(count)
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    seconds, total, results = run(work, keep_every=1 if args.smoke else 50)
    if profiler:
        profiler.disable()

    rate = count / seconds
    print(f"prices:        {count:,}")
    print(f"seconds:       {seconds:.2f}")
    print(f"prices/s:      {rate:,.0f}")
    print(f"target:        {TARGET_PER_SECOND:,}/s")
    print(f"checksum:      {total}")
    if profiler:
        print("(timed under cProfile: the figures above are slower than a plain run)")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    if not adds_up(results):
        print("FAIL: an amount is not a Decimal or differs from the sum of its breakdown")
        return 1
    if args.smoke or profiler:
        why = "smoke run" if args.smoke else "cProfile slows the run"
        print(f"OK ({why}: every amount adds up; no timing verdict)")
        return 0
    verdict = "PASS" if rate >= TARGET_PER_SECOND else "FAIL"
    print(verdict)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
