"""The README's table of demo logins is what `flask demo` prints and where each login lands."""
import pathlib
import re

from flask import url_for

from core.auth import HOME_ENDPOINTS
from demo.builder import DEMO_PASSWORD, DEMO_USERS

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def _table() -> dict[str, str]:
    return dict(re.findall(r"^\| [^|]+ \| (\S+@demo\.artel) \| ([^|]+) \|$", README.read_text(), re.M))


def test_the_readme_lists_every_demo_login_and_its_password():
    assert sorted(_table()) == sorted(email for email, _role, _place in DEMO_USERS)
    assert f"password `{DEMO_PASSWORD}`" in README.read_text()


def test_each_login_lands_where_the_readme_says(app, client, db):
    from demo import builder

    builder.generate(workers=60, franchises=2, clients=4, echo=lambda *a: None)
    pages = {"franchise.admin_home": "network dashboard", "orders.index": "orders list", "workers.index": "worker pool",
             "orders.foreman_home": "shifts", "leads.index": "routing", "franchise.portal": "portal"}
    table = _table()
    for email, role, _place in DEMO_USERS:
        client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        landing = client.get("/")
        assert landing.status_code == 302
        endpoint = HOME_ENDPOINTS[role]
        with app.test_request_context():
            assert landing.headers["Location"] == url_for(endpoint)
        assert pages[endpoint] in table[email], f"{email} lands on {endpoint}, the README says {table[email]!r}"
        client.post("/logout")
