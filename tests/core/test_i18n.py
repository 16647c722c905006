"""Languages: Russian and English per user, a complete catalog, money and dates per locale."""
import re
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from gettext import c2py
from pathlib import Path

from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask import render_template_string

from core.i18n import counted
from core.money import format_money
from core.templating import local_time, money

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf%]")


def test_the_browser_language_is_used_before_login(client):
    assert "Войти" in client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert "Log in to Artel" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_users_own_language_wins(client, auth, db, network):
    network.a_partner.locale = "ru"
    db.session.commit()
    auth.login(network.a_partner.email)
    page = client.get("/portal", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Сотрудники" in page and "Выйти" in page


def test_switching_language_on_the_profile(client, auth, network):
    auth.login(network.a_partner.email)
    assert "Log out" in client.get("/portal").get_data(as_text=True)
    assert client.post("/profile", data={"locale": "ru"}).status_code == 302
    assert "Выйти" in client.get("/portal").get_data(as_text=True)
    assert client.post("/profile", data={"locale": "de"}).status_code == 400


def test_domain_errors_are_translated(client, auth, db, network):
    network.a_recruiter.locale = "ru"
    db.session.commit()
    auth.login(network.a_recruiter.email)
    response = client.post("/workers/new", data={"first_name": "A", "last_name": "B", "phone": network.a_worker.phone,
                                                 "region_id": network.moscow.id, "language": "ru"})
    assert "Рабочий с таким телефоном уже есть в базе." in response.get_data(as_text=True)


def _forms(text):
    """Return the forms of a catalog text: one for a plain message, one per plural form for a plural one."""
    return list(text) if isinstance(text, tuple) else [text]


def test_every_string_is_translated_and_none_is_missing_from_the_catalog(tmp_path):
    catalog = read_po(CATALOG.open("rb"))
    untranslated = [m.id for m in catalog if m.id and (not all(_forms(m.string)) or "fuzzy" in m.flags)]
    assert untranslated == []
    assert list(catalog.obsolete) == [], "drop the #~ entries: pybabel update --ignore-obsolete"
    wrong_placeholders = [m.id for m in catalog if m.id and any(
        sorted(PLACEHOLDER.findall(_forms(m.id)[-1])) != sorted(PLACEHOLDER.findall(form))
        for form in _forms(m.string))]
    assert wrong_placeholders == [], "a translation must keep every %(name)s of its English text"
    fresh = tmp_path / "fresh.pot"
    # No --ignore-dirs here: babel.cfg alone must keep .venv, tests, migrations and bench out.
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(fresh), "."],
                   cwd=ROOT, check=True, capture_output=True)
    messages = [m for m in read_po(fresh.open("rb")) if m.id]
    sources = {path.split("/")[0] for m in messages for path, _line in m.locations}
    assert not sources & {".venv", "tests", "migrations", "bench"}, "babel.cfg must leave these out"
    extracted = {(m.context, m.id) for m in messages}
    known = {(m.context, m.id) for m in catalog if m.id}
    assert sorted(extracted - known, key=str) == [], "new strings: run pybabel update and translate them"


def test_money_is_formatted_per_locale():
    def spaces(text):
        return text.replace("\u00a0", " ").replace("\u202f", " ")

    assert "1 234,50" in spaces(format_money(Decimal("1234.5"), "RUB", "ru"))
    assert "1,234.50" in format_money(Decimal("1234.5"), "RUB", "en")


def test_times_are_shown_in_the_regions_zone(app):
    moment = datetime(2026, 12, 2, 6, 30, tzinfo=timezone.utc)
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert "09:30" in local_time(moment, "Europe/Moscow") and "MSK" in local_time(moment, "Europe/Moscow")
        assert "16:30" in local_time(moment, "Asia/Vladivostok")
        assert "дек" in local_time(moment, "Europe/Moscow")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert "Dec" in local_time(moment, "Europe/Moscow")


def test_the_catalog_counts_as_russian_does():
    catalog = read_po(CATALOG.open("rb"))
    russian = get_plural("ru")
    assert catalog.num_plurals == russian.num_plurals == 3
    ours, theirs = c2py(catalog.plural_expr), c2py(russian.plural_expr)
    assert [ours(n) for n in range(1000)] == [theirs(n) for n in range(1000)]


def test_counts_take_russian_plural_forms(app):
    """One, a few (2-4, but not 12-14) and many, by the last digits, as Russian speaks."""
    expected = {1: ("1 клиент", "1 записан", "1 день"), 2: ("2 клиента", "2 записаны", "2 дня"),
                5: ("5 клиентов", "5 записано", "5 дней"), 11: ("11 клиентов", "11 записано", "11 дней"),
                21: ("21 клиент", "21 записан", "21 день"), 22: ("22 клиента", "22 записаны", "22 дня"),
                25: ("25 клиентов", "25 записано", "25 дней")}
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        for n, (clients, booked, days) in expected.items():
            assert f"{n} {counted('client', n)}" == clients
            assert f"{n} {counted('booked', n)}" == booked
            assert render_template_string('{{ ngettext("%(num)s day", "%(num)s days", n) }}', n=n) == days
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert [f"{n} {counted('client', n)}" for n in (1, 2, 5, 21)] == ["1 client", "2 clients", "5 clients",
                                                                         "21 clients"]


def test_pages_show_the_currencys_sign_not_its_code(app):
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert money(Decimal("350")).replace("\u00a0", " ") == "350,00 ₽"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert money(Decimal("350")) == "₽350.00"
    assert format_money(Decimal("350"), "RUB", "en") == "RUB350.00"  # an SMS keeps to GSM-7
