"""Month close at network scale: 450 franchises, a year of shifts, over 1,000,000 attendance marks.

The year is written straight in SQL (one shift a day per franchise, six or seven marks each, one
in four shifts with a no-show), then the month before the last is closed once, so that the
measured close also looks for late corrections. Ours is royalty.service.close_month; the naive
way walks the franchises one by one through the ORM (its orders, each order's marks, a statement
and its lines added object by object). Both must issue the same totals.
"""
import statistics
import time
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, select, text

from clients.models import Client, Site
from core.money import round_money
from extensions import db
from franchise import rollup
from franchise.models import Franchise, Region
from orders.models import Attendance, Order
from orders.tally import WORKED
from royalty import arithmetic
from royalty import service as royalty
from royalty.models import Statement, StatementLine

FRANCHISES = 450
DAYS = 365
RUNS = 3


def run(app) -> dict:
    now = datetime.now(timezone.utc)
    last = arithmetic.previous_period(now.strftime("%Y-%m"))
    before = arithmetic.previous_period(last)
    first = last
    for _ in range(11):
        first = arithmetic.previous_period(first)
    seeded = time.perf_counter()
    if db.session.scalar(select(Client.id).where(Client.name.like("Bench client of %")).limit(1)) is None:
        _franchises()
        _year(first)  # once: `python -m bench royalty` again reuses the year the last run wrote
    seed_s = time.perf_counter() - seeded
    franchises = db.session.scalar(select(func.count()).select_from(Franchise).where(Franchise.tier != "head_office"))
    marks = db.session.scalar(select(func.count()).select_from(Attendance))
    _forget(last)  # a run again finds the last month closed by the naive way
    _forget(before)
    royalty.close_month(before, now=now)
    ours = []
    for _ in range(RUNS):
        _forget(last)
        started = time.perf_counter()
        royalty.close_month(last, now=now)
        ours.append(time.perf_counter() - started)
    issued = _totals(last)
    _forget(last)
    started = time.perf_counter()
    _naive_close(last)
    naive = time.perf_counter() - started
    same = _totals(last) == issued
    lines = db.session.scalar(select(func.count()).select_from(StatementLine).join(Statement)
                              .where(Statement.period == last))
    return {
        "royalty_franchises": franchises,
        "royalty_attended_shifts": marks,
        "royalty_seed_s": seed_s,
        "royalty_close_lines": lines,
        "royalty_close_s": statistics.median(ours),
        "royalty_close_naive_s": naive,
        "royalty_close_speedup": naive / statistics.median(ours),
        "royalty_close_same_as_naive": same,
    }


def _franchises() -> None:
    """Make the network 450 franchises (beside head office), each with a client and a site."""
    regions = list(db.session.scalars(select(Region).order_by(Region.id)))
    have = db.session.scalar(select(func.count()).select_from(Franchise).where(Franchise.tier != "head_office"))
    for i in range(have, FRANCHISES):
        db.session.add(Franchise(name=f"Bench franchise {i}", tier="basic", region_id=regions[i % len(regions)].id,
                                 royalty_rate=Decimal("0.15") if i % 5 else Decimal("0.12"),
                                 monthly_fee=Decimal("10000.00") if i % 3 == 0 else Decimal("0")))
    db.session.flush()
    for franchise in db.session.scalars(select(Franchise).where(Franchise.tier != "head_office")):
        client = Client(name=f"Bench client of {franchise.id}", franchise_id=franchise.id)
        client.sites.append(Site(franchise_id=franchise.id, name="Bench site", address="Bench street 1",
                                 conditions="indoor_warm"))
        db.session.add(client)
    db.session.commit()


def _year(first: str) -> None:
    """Write a shift a day for every franchise from the month first on, with its marks."""
    start = datetime.strptime(first + "-01", "%Y-%m-%d").replace(tzinfo=timezone.utc)
    db.session.execute(text("""
        INSERT INTO "order" (franchise_id, region_id, client_id, site_id, work_type, skill_mask, workers_needed,
                             starts_at, ends_at, pay_rate, bill_rate, status, urgent, target_probability, max_factor,
                             booking_target, code_live, created_at, updated_at)
        SELECT f.id, f.region_id, c.id, s.id, 'loading', 0, 6,
               :start + d * interval '1 day' + interval '5 hours',
               :start + d * interval '1 day' + interval '13 hours',
               100 + f.id % 7 * 5, 210 + f.id % 11 * 3.37, 'completed', false, 0.95, 2.0, 8, false,
               :start + d * interval '1 day', :start + d * interval '1 day'
        FROM franchise f JOIN client c ON c.franchise_id = f.id AND c.name = 'Bench client of ' || f.id
        JOIN site s ON s.client_id = c.id CROSS JOIN generate_series(0, :days - 1) AS d
        WHERE f.tier <> 'head_office'"""), {"start": start, "days": DAYS})
    db.session.execute(text("""
        WITH pool AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM worker)
        INSERT INTO attendance (order_id, worker_id, franchise_id, outcome, hours, quality, surplus,
                                created_at, updated_at)
        SELECT o.id, pool.ids[1 + (o.id * 7 + k) % pool.n], o.franchise_id,
               CASE WHEN k = 5 AND o.id % 4 = 0 THEN 'no_show' ELSE 'came' END,
               CASE WHEN k = 5 AND o.id % 4 = 0 THEN NULL WHEN k = 6 THEN 7.25 ELSE 8 END,
               CASE WHEN k = 5 AND o.id % 4 = 0 THEN NULL ELSE 5 END, k >= 6, o.ends_at, o.ends_at
        FROM "order" o CROSS JOIN pool
        CROSS JOIN LATERAL generate_series(0, CASE WHEN o.id % 3 = 0 THEN 6 ELSE 5 END) AS k
        WHERE o.work_type = 'loading' AND o.code IS NULL AND o.created_at >= :start"""), {"start": start})
    db.session.execute(text(f"""
        UPDATE "order" o SET tally_hours = t.hours, tally_came = t.came, tally_marks = t.marks,
                             tally_no_shows = t.no_shows
        FROM (SELECT order_id, COALESCE(SUM(hours) FILTER (WHERE outcome IN {WORKED}), 0) AS hours,
                     COUNT(*) FILTER (WHERE outcome IN {WORKED}) AS came, COUNT(*) AS marks,
                     COUNT(*) FILTER (WHERE outcome = 'no_show') AS no_shows
              FROM attendance GROUP BY order_id) t
        WHERE t.order_id = o.id AND o.work_type = 'loading' AND o.code IS NULL AND o.created_at >= :start"""),
        {"start": start})  # each order's tally, as orders.tally counts it
    db.session.commit()
    db.session.execute(text("ANALYZE attendance"))
    db.session.execute(text('ANALYZE "order"'))
    db.session.commit()
    rollup.forget()  # the year was written in SQL, past the orders' updated_at: the dashboard counts afresh


def _forget(period: str) -> None:
    """Take a month's statements back out (the bench only: issued statements are final everywhere else)."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in ("statement_line", "statement"):
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_is_final"))
        conn.execute(text("DELETE FROM statement_line WHERE statement_id IN (SELECT id FROM statement WHERE period = :p)"),
                     {"p": period})
        conn.execute(text("DELETE FROM statement WHERE period = :p"), {"p": period})
        for table in ("statement_line", "statement"):
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_is_final"))


def _totals(period: str) -> list[tuple]:
    return sorted(db.session.execute(select(Statement.franchise_id, Statement.turnover, Statement.royalty,
                                            Statement.total).where(Statement.period == period)).tuples())


def _naive_close(period: str) -> None:
    """The naive way: franchise by franchise, order by order, mark by mark, through the ORM."""
    for franchise in db.session.scalars(select(Franchise).where(Franchise.tier != "head_office")).all():
        lo, hi = arithmetic.month_bounds(period, franchise.region.timezone)
        orders = db.session.scalars(select(Order).where(Order.franchise_id == franchise.id, Order.starts_at >= lo,
                                                        Order.starts_at < hi, Order.status.in_(royalty.CLOSED))
                                    .order_by(Order.starts_at, Order.id)).all()
        lines = []
        for order in orders:
            marks = db.session.scalars(select(Attendance).where(Attendance.order_id == order.id)).all()
            hours = sum((m.hours for m in marks if m.outcome in WORKED and m.hours is not None), Decimal(0))
            if not any(m.outcome in WORKED for m in marks):
                continue
            billed = round_money(hours * order.bill_rate)
            lines.append(arithmetic.order_line(order.id, order.code or "", period, hours, billed, franchise.royalty_rate))
        if franchise.monthly_fee:
            lines.append(arithmetic.fee_line(period, franchise.monthly_fee))
        figures = arithmetic.totals(lines)
        statement = Statement(franchise_id=franchise.id, period=period, currency=franchise.region.currency,
                              royalty_rate=franchise.royalty_rate, due_on=arithmetic.due_date(period, 15),
                              **vars(figures))
        db.session.add(statement)
        db.session.flush()
        for line in lines:
            db.session.add(StatementLine(statement_id=statement.id, franchise_id=franchise.id, **vars(line)))
    db.session.commit()
