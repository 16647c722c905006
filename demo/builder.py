"""Synthetic data at any scale: a plausible network of regions, franchises, people, clients.

``generate`` builds it in one transaction. Workers go in through bulk Core inserts, which
skip the ORM's per-row audit entries: right for generated data, and what makes 100,000
workers take seconds instead of minutes.

A worker's figures are never made up: each one who has worked before gets an opening
rating event (shifts, no-shows, rating: his record before the demo begins), and his stored
rating, reliability and shift count are what the formulas give for it, so the first
attendance recorded for him builds on that record.
"""
import io
import random
from decimal import Decimal
from itertools import accumulate

from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from clients.models import SITE_CONDITIONS, Client, Site
from core.models import User
from core.timeutil import utcnow
from demo import callcentre, history
from demo.names import COMPANIES, LAST, LEGAL_FORMS, MEN, MOBILE_PREFIXES, STREETS, WOMEN, point_near
from extensions import db
from franchise.models import Franchise, Region
from orders.models import RateCard
from playbook import files as playbook_files
from playbook import service as playbook
from ratings import formulas
from ratings.models import RatingEvent
from workers.availability import ALL_HOURS, hours_mask
from workers.models import DEFAULT_SKILLS, Skill, Worker

DEMO_PASSWORD = "artel-demo-2026"
DEMO_USERS = (
    ("admin@demo.artel", "admin", "head office"),
    ("dispatcher@demo.artel", "dispatcher", "first franchise"),
    ("recruiter@demo.artel", "recruiter", "first franchise"),
    ("foreman@demo.artel", "foreman", "first franchise"),
    ("callcentre@demo.artel", "callcentre", "head office"),
    ("callcentre2@demo.artel", "callcentre", "head office"),
    ("partner@demo.artel", "partner", "first franchise"),
    ("partner2@demo.artel", "partner", "second region"),
)
# code, name, time zone, centre, radius km, share of the pool, landline area code
CITIES = (
    ("MSK", "Москва", "Europe/Moscow", (55.7558, 37.6173), 45, 0.34, 495),
    ("SPB", "Санкт-Петербург", "Europe/Moscow", (59.9386, 30.3141), 40, 0.18, 812),
    ("KZN", "Казань", "Europe/Moscow", (55.7963, 49.1088), 30, 0.09, 843),
    ("EKB", "Екатеринбург", "Asia/Yekaterinburg", (56.8389, 60.6057), 30, 0.10, 343),
    ("NSK", "Новосибирск", "Asia/Novosibirsk", (55.0084, 82.9357), 30, 0.10, 383),
    ("KJA", "Красноярск", "Asia/Krasnoyarsk", (56.0153, 92.8932), 30, 0.07, 391),
    ("VVO", "Владивосток", "Asia/Vladivostok", (43.1155, 131.8855), 25, 0.06, 423),
    ("SMR", "Самара", "Europe/Samara", (53.1959, 50.1002), 30, 0.06, 846),
)
SITE_NAMES = {"indoor_warm": "Тёплый склад", "indoor_cold": "Холодный склад", "outdoor": "Открытая площадка",
              "hazardous": "Стройплощадка"}
# The playbook: (package from, title, description, file name, text); files go under UPLOAD_FOLDER/playbook.
PLAYBOOK = (
    ("basic", "Стандарт бригады грузчиков", "Как бригада приезжает, работает и сдаёт смену.", "brigada.md",
     "# Стандарт бригады\n\n1. Бригадир на месте за 15 минут до начала смены.\n2. Перекличка по списку заказа.\n"
     "3. Спецодежда и перчатки — у каждого.\n4. Перерыв 15 минут каждые 3 часа.\n5. Итоги смены — в листе явки.\n"),
    ("basic", "Скрипт разговора с клиентом", "Что спросить, чтобы заказ был полным.", "script.txt",
     "Здравствуйте! Сколько человек, на какой адрес, с какого часа и на сколько часов?\n"
     "Какие условия: тёплый склад, улица, высота? Нужен ли инструмент?\n"
     "Кто встретит бригаду на месте и по какому телефону?\n"),
    ("brand", "Брендбук франшизы", "Логотип, цвета, вывеска, визитки, сайт.", "brandbook.md",
     "# Брендбук\n\nЛоготип — только из архива головного офиса.\nОсновной цвет — тёмно-синий, акцент — оранжевый.\n"
     "Форма сотрудников — синяя куртка с логотипом на спине.\n"),
    ("brand", "Продвижение в городе", "Объявления, сайт и отзывы: что работает.", "marketing.txt",
     "Лучше всего работают заявки с сайта и рекомендации постоянных клиентов.\n"
     "Отвечайте на каждую заявку в течение 15 минут.\n"),
    ("official", "Ценообразование для крупных клиентов", "Скидки за объём и минимальные ставки.", "prices.md",
     "# Ценообразование\n\nОт 20 человек в смену — скидка до 10%.\nНиже ставки головного офиса не опускаться.\n"
     "Договор на сезон снегоуборки — с предоплатой 30%.\n"),
    ("official", "Тендеры и госзакупки", "Как участвовать и не работать в минус.", "tenders.txt",
     "Проверяйте обеспечение заявки и сроки оплаты до подачи.\nСчитайте смены с учётом 30% невыходов.\n"),
)
EXTRA_TIERS = ("brand", "basic", "basic")  # past one official per city, basic packages sell best
CHUNK = 5000


class DemoError(RuntimeError):
    """Demo data cannot be generated (for instance, it is already there)."""


def has_demo_data() -> bool:
    """Return whether the demo logins are already in the database."""
    return db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][0])) is not None


def generate(workers: int = 2000, franchises: int = 12, clients: int = 40, seed: int = 42, echo=print,
             months: int = 0) -> dict:
    """Generate a network and commit it in one transaction; raise DemoError if it exists.

    With months, the network also gets that many months of past shifts (demo.history), today's and
    tomorrow's, and the ended months closed into royalty statements, most of them paid.
    """
    if has_demo_data():
        raise DemoError("Demo data is already in this database.")
    if franchises < 2:
        raise DemoError("The demo needs at least 2 franchises (its partners sit in two regions).")
    rng = random.Random(seed)
    try:
        regions = _regions()
        network = _franchises(regions, franchises)
        users = _users(network)
        echo(f"{len(regions)} regions, {len(network) + 1} franchises, {users} users")
        sites = _clients(rng, network, {r.id: r for r in regions}, clients)
        echo(f"{clients} clients with {sites} sites")
        _workers(rng, regions, workers, echo)
        _rate_cards(regions)
        _playbook()
        past = _past_months(rng, months, echo) if months else {}
        db.session.commit()
    except Exception:
        # A failure anywhere leaves nothing behind, not half a network.
        db.session.rollback()
        raise
    money = history.close_and_pay(rng, echo) if months else {}
    return {"regions": len(regions), "franchises": len(network) + 1, "users": users, "clients": clients,
            "sites": sites, "workers": workers, **past, **money}


def _past_months(rng, months: int, echo) -> dict:
    """Add the months the network has lived: the call centre's leads (their orders among the shifts) and the shifts."""
    now = utcnow()
    centre = callcentre.simulate(rng, months, echo, now)
    past = history.build(rng, months, echo, now, bookings=centre.bookings)
    return {**past, **callcentre.write(centre)}


def _regions() -> list[Region]:
    regions = [
        Region(code=code, name=name, timezone=tz, currency="RUB", phone_region="RU", center_lat=lat, center_lon=lon,
               radius_km=Decimal(radius))
        for code, name, tz, (lat, lon), radius, _share, _area in CITIES
    ]
    db.session.add_all(regions)
    db.session.flush()
    return regions


def _franchises(regions, count) -> list[Franchise]:
    """Add head office and count franchises: the first per city is its one official representative."""
    head = Franchise(name="Артель — головной офис", tier="head_office", royalty_rate=Decimal("0"))
    network = []
    for i in range(count):
        region = regions[i % len(regions)]
        if i < len(regions):
            tier, name = "official", f"Артель {region.name}"
        else:
            tier = EXTRA_TIERS[(i - len(regions)) % len(EXTRA_TIERS)]
            name = f"{('Профи', 'Сила', 'Бригада', 'Помощь')[i % 4]} {region.name} {i // len(regions)}"
        rate = Decimal("0.12") if i % 5 == 4 else Decimal("0.15")  # a few contracts negotiated down
        network.append(Franchise(name=name, tier=tier, region_id=region.id, royalty_rate=rate))
    db.session.add(head)
    db.session.add_all(network)
    db.session.flush()
    return network


def _users(network) -> int:
    password_hash = generate_password_hash(DEMO_PASSWORD)  # scrypt once, not per user
    first = network[0]
    second = next(f for f in network if f.region_id != first.region_id)
    where = {"head office": None, "first franchise": first.id, "second region": second.id}
    names = {"admin": "Анна Админова", "dispatcher": "Дарья Диспетчерова", "recruiter": "Роман Рекрутов",
             "foreman": "Фёдор Бригадиров", "callcentre": "Ксения Операторова", "partner": "Пётр Партнёров"}
    users = [
        User(email=email, name=names[role] + (" 2" if email.endswith("2@demo.artel") else ""), role=role,
             franchise_id=where[place], password_hash=password_hash, locale="ru" if role == "partner" else "en")
        for email, role, place in DEMO_USERS
    ]
    db.session.add_all(users)
    db.session.flush()
    return len(users)


def _clients(rng, network, regions, count) -> int:
    """Add count clients round the network, each with 1-3 sites in its franchise's city."""
    area = {code: code_area for code, *_rest, code_area in CITIES}
    companies = rng.sample(COMPANIES, len(COMPANIES))
    combos = len(companies) * len(LEGAL_FORMS)
    added = []
    for i in range(count):
        franchise = network[i % len(network)]
        region = regions[franchise.region_id]
        name = f"{LEGAL_FORMS[i // len(companies) % len(LEGAL_FORMS)]} «{companies[i % len(companies)]}»"
        client = Client(name=name + (f" №{i // combos + 1}" if i >= combos else ""), franchise_id=franchise.id,
                        inn=f"{rng.randrange(10**9, 10**10)}", phone=f"+7{area[region.code]}{rng.randrange(10**7):07d}")
        for _ in range(rng.randint(1, 3)):
            lat, lon = point_near(rng, region.center_lat, region.center_lon, float(region.radius_km) * 0.7)
            conditions = rng.choice(SITE_CONDITIONS)
            client.sites.append(Site(
                franchise_id=franchise.id, name=f"{SITE_NAMES.get(conditions, 'Объект')} {len(client.sites) + 1}",
                address=f"{region.name}, {rng.choice(STREETS)}, {rng.randint(1, 150)}",
                lat=lat, lon=lon, conditions=conditions,
            ))
        added.append(client)
    db.session.add_all(added)
    db.session.flush()
    return sum(len(c.sites) for c in added)


WORK_TYPES = ("loading", "warehouse", "moving", "snow clearing", "cleaning")


def _rate_cards(regions) -> None:
    """Head office's default cards in every region: every work type in every condition, cheaper per head from 10."""
    cards = []
    for region in regions:
        for work_type in WORK_TYPES:
            for conditions, (pay, bill) in history.RATES.items():
                cards.append(dict(region_id=region.id, work_type=work_type, conditions=conditions, min_headcount=1,
                                  pay_rate=pay, bill_rate=bill))
                cards.append(dict(region_id=region.id, work_type=work_type, conditions=conditions, min_headcount=10,
                                  pay_rate=pay, bill_rate=bill - Decimal("10.00")))
    db.session.execute(insert(RateCard), cards)


def _playbook() -> None:
    """Add the playbook's documents, two per package, as head office's plain text."""
    for tier, title, description, filename, text in PLAYBOOK:
        upload = playbook_files.inspect_upload(io.BytesIO(text.encode("utf-8")), filename)
        playbook.draft_document(title, description, tier, upload, by=None)


def _phones(rng, count):
    """Yield count Russian mobile numbers no worker has yet."""
    # Workers typed in before the demo keep their numbers; the unique index would
    # otherwise fail the whole run at the very end.
    seen = set(db.session.scalars(select(Worker.phone)))
    made = 0
    while made < count:
        number = f"+7{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
        if number not in seen:
            seen.add(number)
            made += 1
            yield number


def _skill_bits() -> tuple[int, list[int]]:
    """Return the loader bit and the other skills' bits, seeding the list if it is empty."""
    # A database made with create_all (not the migrations) has no skill list yet.
    if db.session.scalar(select(func.count()).select_from(Skill)) == 0:
        db.session.add_all(Skill(code=c, name_en=en, name_ru=ru, bit=i) for i, (c, en, ru) in enumerate(DEFAULT_SKILLS))
        db.session.flush()
    bits = dict(db.session.execute(select(Skill.code, Skill.bit).where(Skill.active.is_(True))).all())
    loader = 1 << bits.pop("loader") if "loader" in bits else 0
    return loader, [1 << bit for bit in bits.values()]


def _name(rng) -> dict:
    """Return a first and last name that agree in gender (Смирнов, Смирнова)."""
    last = rng.choice(LAST)
    if rng.random() < 0.15:
        return {"first_name": rng.choice(WOMEN), "last_name": last + "а"}
    return {"first_name": rng.choice(MEN), "last_name": last}


def _past(rng, status) -> formulas.Event | None:
    """Return a worker's record before the demo as an opening event, or None for a newcomer."""
    shifts = 0 if status == "applicant" else rng.randint(0, 120)
    show_rate = max(0.6, rng.betavariate(8, 2.5))  # most people come; a tail drops out
    no_shows = round(shifts * (1 - show_rate) / show_rate)
    if shifts == no_shows == 0:
        return None
    # Ratings skew high (most people come and work).
    rating = Decimal(f"{min(5.0, max(2.0, rng.gauss(4.0, 0.6))):.2f}")
    return formulas.Event(kind=formulas.OPENING, at=utcnow(), shifts=shifts, no_shows=no_shows, rating=rating)


def _insert_workers(batch, pasts) -> None:
    """Insert a batch of workers and the opening events their figures come from."""
    ids = db.session.scalars(insert(Worker).returning(Worker.id, sort_by_parameter_order=True), batch).all()
    start = formulas.compute([])
    events = [{
        "worker_id": worker_id, "kind": past.kind, "occurred_at": past.at, "recorded_at": past.at,
        "opening_shifts": past.shifts, "opening_no_shows": past.no_shows, "opening_rating": past.rating,
        "rating_before": start.rating, "reliability_before": start.reliability,
        "rating_after": row["rating"], "reliability_after": row["reliability"],
    } for worker_id, row, past in zip(ids, batch, pasts) if past is not None]
    if events:
        db.session.execute(insert(RatingEvent), events)


def _workers(rng, regions, count, echo) -> None:
    """Bulk-insert count workers, the pool split between cities by size, each with his past."""
    weights = list(accumulate(share for *_rest, share, _area in CITIES))
    loader, others = _skill_bits()
    limited = hours_mask(8, 20)
    phones = _phones(rng, count)
    batch, pasts = [], []
    for i in range(count):
        region = rng.choices(regions, cum_weights=weights)[0]
        lat, lon = point_near(rng, region.center_lat, region.center_lon, float(region.radius_km))
        # Most of the pool loads trucks; some add a trade or two.
        skills = loader | sum(rng.sample(others, min(len(others), rng.choice((0, 0, 1, 1, 2, 3)))))
        day = limited if rng.random() < 0.2 else ALL_HOURS
        status = rng.choices(("active", "applicant", "suspended", "banned"), (86, 9, 4, 1))[0]
        past = _past(rng, status)
        figures = formulas.compute([past] if past else [])
        batch.append({
            "region_id": region.id, **_name(rng), "phone": next(phones), "status": status,
            "language": "en" if rng.random() < 0.05 else "ru", "skill_mask": skills,
            "address": f"{region.name}, {rng.choice(STREETS)}, {rng.randint(1, 200)}",
            "lat": lat, "lon": lon, "max_travel_km": Decimal(rng.choice((10, 15, 20, 25, 30, 40))),
            "rating": figures.rating, "reliability": figures.reliability, "rating_penalty": figures.penalty,
            "shifts_worked": figures.shifts, "opted_out": rng.random() < 0.02,
            **{f"avail_{d}": day for d in ("mon", "tue", "wed", "thu", "fri")},
            "avail_sat": ALL_HOURS, "avail_sun": ALL_HOURS if rng.random() < 0.7 else 0,
        })
        pasts.append(past)
        if len(batch) == CHUNK:
            _insert_workers(batch, pasts)
            batch, pasts = [], []
            echo(f"  {i + 1} workers")
    if batch:
        _insert_workers(batch, pasts)
