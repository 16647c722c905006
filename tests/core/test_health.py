"""/healthz: up or degraded for everyone, what is wrong only for a logged-in administrator."""
import pytest

from app import create_app
from config import TestConfig
from tests import factories


class QueueDown(TestConfig):
    REDIS_URL = "redis://127.0.0.1:1/0"
    RATELIMIT_STORAGE_URI = "memory://"


class DatabaseDown(TestConfig):
    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://postgres@127.0.0.1:1/artel_nowhere"
    RATELIMIT_STORAGE_URI = "memory://"


def test_outsiders_see_only_that_it_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


@pytest.mark.parametrize("config,hidden", [(QueueDown, "127.0.0.1:1"), (DatabaseDown, "artel_nowhere")])
def test_outsiders_see_only_that_it_is_degraded(app, config, hidden):
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "degraded"}
    assert hidden not in response.get_data(as_text=True) and "redis" not in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("role", ["dispatcher", "partner", "callcentre"])
def test_staff_who_are_not_admins_see_no_details(client, auth, db, role):
    franchise = None if role == "callcentre" else factories.franchise(factories.region())
    auth.login(factories.user(role, franchise).email)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_an_admin_sees_what_is_wrong(app, db):
    client = create_app(QueueDown).test_client()
    client.post("/login", data={"email": factories.user("admin").email, "password": factories.PASSWORD})
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "degraded"
    assert response.json["database"] == {"ok": True}
    assert response.json["queue"]["ok"] is False and response.json["queue"]["detail"]
