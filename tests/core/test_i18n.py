"""Languages: Russian and English per user, a complete catalog, money and dates per locale."""
import re
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from babel.messages.pofile import read_po

from core.money import format_money
from core.templating import local_time

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


def test_every_string_is_translated_and_none_is_missing_from_the_catalog(tmp_path):
    catalog = read_po(CATALOG.open("rb"))
    untranslated = [m.id for m in catalog if m.id and (not m.string or "fuzzy" in m.flags)]
    assert untranslated == []
    assert list(catalog.obsolete) == [], "drop the #~ entries: pybabel update --ignore-obsolete"
    wrong_placeholders = [m.id for m in catalog
                          if m.id and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert wrong_placeholders == [], "a translation must keep every %(name)s of its English text"
    fresh = tmp_path / "fresh.pot"
    # No --ignore-dirs here: babel.cfg alone must keep .venv, tests, migrations and bench out.
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(fresh), "."],
                   cwd=ROOT, check=True, capture_output=True)
    messages = [m for m in read_po(fresh.open("rb")) if m.id]
    sources = {path.split("/")[0] for m in messages for path, _line in m.locations}
    assert not sources & {".venv", "tests", "migrations", "bench"}, "babel.cfg must leave these out"
    extracted = {m.id for m in messages}
    known = {m.id for m in catalog if m.id}
    assert sorted(extracted - known) == [], "new strings: run pybabel update and translate them"


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
