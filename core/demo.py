"""Synthetic data at any scale: a plausible network of regions, franchises, people, clients.

``generate`` builds it in one transaction. Workers go in through bulk Core inserts, which
skip the ORM's per-row audit entries: right for generated data, and what makes 100,000
workers take seconds instead of minutes.
"""
import math
import random
from decimal import Decimal

from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from clients.models import SITE_CONDITIONS, Client, Site
from core.models import User
from extensions import db
from franchise.models import Franchise, Region
from workers.availability import ALL_HOURS, hours_mask
from workers.models import DEFAULT_SKILLS, Skill, Worker

DEMO_PASSWORD = "artel-demo-2026"
DEMO_USERS = (
    ("admin@demo.artel", "admin", "head office"),
    ("dispatcher@demo.artel", "dispatcher", "first franchise"),
    ("recruiter@demo.artel", "recruiter", "first franchise"),
    ("foreman@demo.artel", "foreman", "first franchise"),
    ("callcentre@demo.artel", "callcentre", "head office"),
    ("partner@demo.artel", "partner", "first franchise"),
    ("partner2@demo.artel", "partner", "second region"),
)
# code, name, time zone, centre, radius km, share of the pool
CITIES = (
    ("MSK", "Москва", "Europe/Moscow", (55.7558, 37.6173), 45, 0.34),
    ("SPB", "Санкт-Петербург", "Europe/Moscow", (59.9386, 30.3141), 40, 0.18),
    ("KZN", "Казань", "Europe/Moscow", (55.7963, 49.1088), 30, 0.09),
    ("EKB", "Екатеринбург", "Asia/Yekaterinburg", (56.8389, 60.6057), 30, 0.10),
    ("NSK", "Новосибирск", "Asia/Novosibirsk", (55.0084, 82.9357), 30, 0.10),
    ("KJA", "Красноярск", "Asia/Krasnoyarsk", (56.0153, 92.8932), 30, 0.07),
    ("VVO", "Владивосток", "Asia/Vladivostok", (43.1155, 131.8855), 25, 0.06),
    ("SMR", "Самара", "Europe/Samara", (53.1959, 50.1002), 30, 0.06),
)
MEN = ("Иван", "Алексей", "Сергей", "Дмитрий", "Андрей", "Николай", "Михаил", "Павел", "Олег", "Виктор",
       "Артём", "Руслан", "Тимур", "Азамат", "Егор")
WOMEN = ("Анна", "Ольга", "Марина", "Елена", "Светлана")
LAST = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
        "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
        "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев")
STREETS = ("ул. Ленина", "ул. Мира", "пр. Победы", "ул. Гагарина", "ул. Советская", "ул. Садовая",
           "ул. Школьная", "ул. Заводская", "ул. Лесная", "ш. Энтузиастов", "ул. Промышленная")
COMPANIES = ("Склад-Сервис", "ТрансЛогистик", "СтройМонтаж", "Гипермаркет Лента", "Мебельный двор",
             "ЭкоСнаб", "Северный терминал", "ПромКомплект", "Городские ярмарки", "Кровля-Профи",
             "Снегоуборка 24", "РигТех", "Дом и Сад", "Выставочный центр", "Аптечный склад")
MOBILE_PREFIXES = (900, 901, 902, 903, 904, 905, 906, 908, 909, 910, 912, 913, 914, 915, 916, 917, 918, 919,
                   920, 921, 922, 923, 924, 925, 926, 927, 928, 929, 950, 951, 952, 953, 960, 961, 962,
                   963, 964, 965, 966, 967, 968, 977, 978, 980, 981, 982, 983, 984, 985, 986, 987, 988, 989)


class DemoError(RuntimeError):
    """Demo data cannot be generated (for instance, it is already there)."""


def has_demo_data() -> bool:
    return db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][0])) is not None


def generate(workers: int = 2000, franchises: int = 12, clients: int = 40, seed: int = 42, echo=print) -> dict:
    """Generate a network and commit it in one transaction; raise DemoError if it exists."""
    if has_demo_data():
        raise DemoError("Demo data is already in this database.")
    rng = random.Random(seed)
    try:
        regions = _regions()
        head, network = _franchises(rng, regions, franchises)
        _ensure_skills()
        users = _users(head, network, regions)
        echo(f"{len(regions)} regions, {len(network) + 1} franchises, {users} users")
        sites = _clients(rng, network, clients)
        echo(f"{clients} clients with {sites} sites")
        _workers(rng, regions, workers, echo)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return {"regions": len(regions), "franchises": len(network) + 1, "users": users, "clients": clients,
            "sites": sites, "workers": workers}


def _regions() -> list[Region]:
    regions = [
        Region(code=code, name=name, timezone=tz, currency="RUB", phone_region="RU", center_lat=lat, center_lon=lon,
               radius_km=Decimal(radius))
        for code, name, tz, (lat, lon), radius, _share in CITIES
    ]
    db.session.add_all(regions)
    db.session.flush()
    return regions


def _franchises(rng, regions, count) -> tuple[Franchise, list[Franchise]]:
    head = Franchise(name="Артель — головной офис", tier="head_office", royalty_rate=Decimal("0"))
    network = []
    for i in range(count):
        region = regions[i % len(regions)]
        tier = "official" if i < len(regions) else rng.choice(("brand", "basic", "basic"))
        city = region.name
        name = f"Артель {city}" if tier == "official" else f"{rng.choice(('Профи', 'Сила', 'Бригада', 'Помощь'))} {city} {i}"
        rate = Decimal("0.12") if tier == "official" and i % 3 == 2 else Decimal("0.15")
        network.append(Franchise(name=name, tier=tier, region_id=region.id, royalty_rate=rate))
    db.session.add(head)
    db.session.add_all(network)
    db.session.flush()
    return head, network


def _ensure_skills() -> None:
    """Seed the skill list where the migrations did not (a database made with create_all)."""
    if db.session.scalar(select(func.count()).select_from(Skill)) == 0:
        db.session.add_all(Skill(code=c, name_en=en, name_ru=ru, bit=i) for i, (c, en, ru) in enumerate(DEFAULT_SKILLS))
        db.session.flush()


def _users(head, network, regions) -> int:
    password_hash = generate_password_hash(DEMO_PASSWORD)  # scrypt once, not per user
    first = network[0]
    second = next((f for f in network if f.region_id != first.region_id), first)
    where = {"head office": None, "first franchise": first.id, "second region": second.id}
    names = {"admin": "Анна Админова", "dispatcher": "Дарья Диспетчерова", "recruiter": "Роман Рекрутов",
             "foreman": "Фёдор Бригадиров", "callcentre": "Ксения Операторова", "partner": "Пётр Партнёров"}
    users = [
        User(email=email, name=names[role] + ("" if email != "partner2@demo.artel" else " 2"), role=role,
             franchise_id=where[place], password_hash=password_hash, locale="ru" if role == "partner" else "en")
        for email, role, place in DEMO_USERS
    ]
    db.session.add_all(users)
    db.session.flush()
    return len(users)


def _point(rng, lat, lon, radius_km) -> tuple[float, float]:
    """A uniform point in the disc of radius_km around (lat, lon)."""
    r = radius_km * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    return lat + r * math.cos(theta) / 111.2, lon + r * math.sin(theta) / (111.2 * math.cos(math.radians(lat)))


def _clients(rng, network, count) -> int:
    sites = 0
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    for i in range(count):
        franchise = network[i % len(network)]
        region = regions[franchise.region_id]
        client = Client(name=f"ООО «{rng.choice(COMPANIES)}»" + (f" {i}" if i >= len(COMPANIES) else ""),
                        franchise_id=franchise.id, inn=f"{rng.randrange(10**9, 10**10)}",
                        phone=f"+7495{rng.randrange(10**6, 10**7)}")
        db.session.add(client)
        db.session.flush()
        for j in range(rng.randint(1, 3)):
            lat, lon = _point(rng, region.center_lat, region.center_lon, float(region.radius_km) * 0.7)
            db.session.add(Site(client_id=client.id, franchise_id=franchise.id, name=f"Объект {j + 1}",
                                address=f"{region.name}, {rng.choice(STREETS)}, {rng.randint(1, 150)}",
                                lat=lat, lon=lon, conditions=rng.choice(SITE_CONDITIONS)))
            sites += 1
    db.session.flush()
    return sites


def _phones(rng, count):
    """Yield count distinct Russian mobile numbers (prefixes whose whole range is valid)."""
    seen = set()
    while len(seen) < count:
        number = f"+7{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
        if number not in seen:
            seen.add(number)
            yield number


def _name(rng) -> dict:
    """A first and last name that agree in gender (Смирнов, Смирнова)."""
    last = rng.choice(LAST)
    if rng.random() < 0.15:
        return {"first_name": rng.choice(WOMEN), "last_name": last + "а"}
    return {"first_name": rng.choice(MEN), "last_name": last}


def _workers(rng, regions, count, echo) -> None:
    shares = [share for *_rest, share in CITIES]
    bits = [1 << i for i in range(len(DEFAULT_SKILLS))]
    limited = hours_mask(8, 20)
    phones = _phones(rng, count)
    batch = []
    for i in range(count):
        region = rng.choices(regions, shares)[0]
        lat, lon = _point(rng, region.center_lat, region.center_lon, float(region.radius_km))
        skills = 1 | sum(rng.sample(bits, rng.choice((0, 0, 1, 1, 2, 3))))
        status = rng.choices(("active", "applicant", "suspended", "banned"), (86, 9, 4, 1))[0]
        day = limited if rng.random() < 0.2 else ALL_HOURS
        batch.append({
            "region_id": region.id, **_name(rng),
            "phone": next(phones), "status": status, "language": "en" if rng.random() < 0.05 else "ru",
            "skill_mask": skills, "address": f"{region.name}, {rng.choice(STREETS)}, {rng.randint(1, 200)}",
            "lat": lat, "lon": lon, "max_travel_km": Decimal(rng.choice((10, 15, 20, 25, 30, 40))),
            "rating": Decimal(f"{min(5.0, max(1.0, rng.gauss(4.0, 0.6))):.2f}"),
            "reliability": Decimal(f"{rng.betavariate(8, 2.5):.3f}"),
            "shifts_worked": rng.randint(0, 120), "opted_out": rng.random() < 0.02,
            **{f"avail_{d}": day for d in ("mon", "tue", "wed", "thu", "fri")},
            "avail_sat": ALL_HOURS, "avail_sun": ALL_HOURS if rng.random() < 0.7 else 0,
        })
        if len(batch) == 5000:
            db.session.execute(insert(Worker), batch)
            batch = []
            echo(f"  {i + 1} workers")
    if batch:
        db.session.execute(insert(Worker), batch)

