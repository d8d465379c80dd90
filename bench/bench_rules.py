"""Benchmark of the nutrition-pack eligibility engine (jiceng.nutrition.rules.engine.evaluate).

Builds N synthetic children (seeded) with about two years of plausible event histories —
consent at about 6 months, monthly collections with occasional gaps, stops and resumptions,
special conditions with assessments, a few move-outs, deaths and duplicate entries — then
times ``evaluate`` for every child on one core and prints children per second and peak RSS.

    .venv/bin/python bench/bench_rules.py [--children N] [--seed S] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import resource
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jiceng.nutrition.rules.engine import ChildFacts, Event, evaluate, month_date  # noqa: E402

AS_OF = date(2025, 6, 30)
HISTORY_START = date(2023, 7, 1)  # about two years of events before AS_OF
FORCE_MAJEURE = ("2024-02",)  # e.g. a lockdown month declared for some townships


def _collections(rng: random.Random, birth: date, start: date, end: date) -> list[Event]:
    """Monthly collections from ``start`` to ``end`` with gaps: a plausible caregiver."""
    events: list[Event] = []
    leaves_on = month_date(birth, 36)
    year, month = start.year, start.month
    gap = 0
    while True:
        day = date(year, month, rng.randint(1, 28))
        if day > end or day >= leaves_on:
            break
        if gap:
            gap -= 1
        elif rng.random() < 0.04:
            gap = rng.randint(1, 4)  # a gap of 1–4 months: some lead to a stop (E5)
        elif rng.random() < 0.93:
            packs = min(30, (leaves_on - day).days)
            events.append(Event(day, "collect", packs=packs))
            if rng.random() < 0.01:  # a duplicate entry in the same month (refused by E6)
                events.append(Event(min(day + timedelta(days=2), end), "collect", packs=30))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return events


def synthetic_child(rng: random.Random) -> tuple[ChildFacts, list[Event], tuple[str, ...]]:
    birth = AS_OF - timedelta(days=rng.randint(90, 47 * 30))
    child = ChildFacts(
        birth_date=birth,
        resident=rng.random() < 0.96,
        poor_household=rng.random() < 0.15,
        relocation_site=rng.random() < 0.05,
        special_condition=rng.random() < 0.02,
    )
    events: list[Event] = []
    six_months = month_date(birth, 6)
    if rng.random() < 0.9:
        consent_on = max(six_months + timedelta(days=rng.randint(-20, 90)), HISTORY_START - timedelta(days=400))
        events.append(Event(consent_on, "consent"))
        start = max(consent_on, HISTORY_START)
        if child.special_condition:
            assessed_on = consent_on + timedelta(days=rng.randint(5, 40))
            events.append(Event(assessed_on, "assessment", suitable=rng.random() < 0.85))
            start = max(start, assessed_on)
        events.extend(_collections(rng, birth, start, AS_OF))
    if rng.random() < 0.01:
        events.append(Event(AS_OF - timedelta(days=rng.randint(1, 300)), "move_out"))
    if rng.random() < 0.002:
        events.append(Event(AS_OF - timedelta(days=rng.randint(1, 300)), "death"))
    if rng.random() < 0.1:
        rng.shuffle(events)  # some histories arrive out of order
    force_majeure = FORCE_MAJEURE if rng.random() < 0.1 else ()
    return child, events, force_majeure


def build(count: int, seed: int) -> list[tuple[ChildFacts, list[Event], tuple[str, ...]]]:
    rng = random.Random(seed)
    return [synthetic_child(rng) for _ in range(count)]


def run(children) -> Counter:
    statuses: Counter = Counter()
    for child, events, force_majeure in children:
        statuses[evaluate(child, events, AS_OF, force_majeure).status] += 1
    return statuses


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)  # KiB on Linux, bytes on macOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the eligibility engine")
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=20250630)
    parser.add_argument("--profile", action="store_true", help="profile the run and print the top functions")
    options = parser.parse_args(argv)

    started = time.perf_counter()
    children = build(options.children, options.seed)
    built = time.perf_counter() - started
    events = sum(len(events) for _, events, _ in children)
    print(f"built {len(children):,} children, {events:,} events ({events / len(children):.1f}/child) in {built:.1f}s")

    evaluate(*children[0][:2], AS_OF)  # load parameters outside the timing
    if options.profile:
        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    statuses = run(children)
    elapsed = time.perf_counter() - started
    if options.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)

    print("statuses: " + ", ".join(f"{status} {count:,}" for status, count in statuses.most_common()))
    rate = len(children) / elapsed
    print(f"evaluate: {len(children):,} children in {elapsed:.2f}s = {rate:,.0f} children/s (one core)")
    print(f"peak RSS: {peak_rss_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
