"""The bench harness: a database of its own, timing helpers, the results file."""
import json
import os
import statistics
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

RESULTS = Path(__file__).with_name("results.json")
BENCH_DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/artel_bench")
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def recreate_database(url: str = BENCH_DB_URL) -> None:
    """Drop and create the bench database."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def timings_ms(fn, repeat: int, warmup: int = 3) -> list[float]:
    """Run fn warmup+repeat times; return the timed runs in milliseconds."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def percentile(values: list[float], pct: float) -> float:
    """Return the pct-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def p50(values):
    return statistics.median(values)


def write_results(figures: dict) -> None:
    """Merge figures into bench/results.json (a flat object of named numbers)."""
    current = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    current.update({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()})
    RESULTS.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
