"""Searching the pool by name or phone: ours (a stored folded text, trigram-indexed) vs. the naive way.

Runs after the foundation and candidates suites, on their workers: the demo network's 100,000 with
Russian names, and the 100,000 of "Bench City". A head-office user searches the whole pool, a partner
his region of the demo network; the naive way folds every row at query time (lower, ё as е, phone
digits) with no index, which finds the same rows.
"""
import random

from sqlalchemy import and_, func, literal, select

from bench.harness import p50, percentile, timings_ms
from core import tenancy
from core.models import User
from core.search import search_terms
from extensions import db
from workers import service as workers_service
from workers.models import Worker

NAMES = ("Алексеев", "иван", "ФЕДОРОВ", "смирнова ольга", "Козл", "Артём Зайцев", "никит", "Bench4242", "w777")
PHONES = 6  # phones of random workers, each typed three ways from a run of its digits
REPEAT = 5


def run(app) -> dict:
    rng = random.Random(2026)
    partner = db.session.scalar(select(User).where(User.email == "partner@demo.artel"))
    scopes = {"head office": None, "partner": tenancy.scope_for_user(partner)}
    phones = db.session.scalars(select(Worker.phone).order_by(func.random()).limit(PHONES)).all()
    queries = list(NAMES) + [typed for phone in phones for typed in _typed(rng, phone)]
    db.session.remove()

    ours, naive, agree = [], [], True
    for scope in scopes.values():
        for q in queries:
            with app.test_request_context():
                tenancy.activate(scope)
                ours += timings_ms(lambda: workers_service.search_workers(q), repeat=REPEAT, warmup=1)
                naive += timings_ms(lambda: _naive(q), repeat=1, warmup=0)
                agree = agree and _ids(workers_service.search_workers(q)) == _ids(_naive(q))
                db.session.remove()
    return {
        "search_workers_in_pool": db.session.scalar(select(func.count()).select_from(Worker)),
        "search_p50_ms": p50(ours),
        "search_p95_ms": percentile(ours, 95),
        "search_naive_p95_ms": percentile(naive, 95),
        "search_speedup": percentile(naive, 95) / percentile(ours, 95),
        "search_same_results_as_naive": agree,
    }


def _typed(rng, phone: str) -> list[str]:
    """Return a run of the phone's digits as people type it: spaced, after an 8, after +7 with brackets."""
    national = phone[2:]  # +7 and ten digits
    start = rng.randint(0, 3)
    run = national[start:start + 6]
    return [f"{run[:3]} {run[3:]}", f"8 {national[:3]} {national[3:6]}", f"+7 ({national[:3]}) {national[3:7]}"]


def _ids(result) -> tuple[list[int], int]:
    rows, total = result
    return [w.id for w, _distance in rows], total


def _naive(q: str):
    """The naive way: fold every row at query time, match, count and sort with no index to help."""
    digits = func.regexp_replace(Worker.phone, r"\D", "", "g")
    folded = (func.translate(func.lower(Worker.first_name + " " + Worker.last_name), "ё", "е") + literal(" ")
              + digits + literal(" 8") + func.substr(digits, 2))
    stmt = select(Worker).where(and_(*(folded.contains(t, autoescape=True) for t in search_terms(q))))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Worker.last_name, Worker.first_name, Worker.id)
                              .limit(workers_service.PAGE_SIZE))
    return [(w, None) for w in rows], total
