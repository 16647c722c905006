"""Fixtures: the app on real PostgreSQL and Redis, a clean database for every test."""
import contextvars
import os
import threading

import freezegun
import psycopg
import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from config import TestConfig


def _own_services_per_xdist_worker() -> None:
    """Give each pytest-xdist worker (gw0, gw1, ...) its own database and Redis db, and its children too.

    gwN uses <database>_gwN and the Redis db 2N below the configured one (the queue tests take the db
    below that: tests/core/test_queue.py); without xdist nothing changes.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    n = int(worker[2:])
    database = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    database = database.set(database=f"{database.database}_{worker}").render_as_string(hide_password=False)
    base, _, index = TestConfig.REDIS_URL.rpartition("/")
    if int(index) < 2 * n + 1:
        raise RuntimeError(f"TEST_REDIS_URL {TestConfig.REDIS_URL}: too few Redis dbs below it for {worker}")
    redis_url = f"{base}/{int(index) - 2 * n}"
    TestConfig.SQLALCHEMY_DATABASE_URI = os.environ["TEST_DATABASE_URL"] = database
    TestConfig.REDIS_URL = TestConfig.RATELIMIT_STORAGE_URI = os.environ["TEST_REDIS_URL"] = redis_url


_own_services_per_xdist_worker()
from extensions import db as _db
from tests import factories
from workers.models import DEFAULT_SKILLS, Skill

freezegun.configure(extend_ignore_list=["_pytest"])  # pytest's own clock reports real durations

TEST_DB_URL = TestConfig.SQLALCHEMY_DATABASE_URI


def _recreate_database(url: str) -> None:
    """Drop and create the test database so every run starts from the migrations."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, session and g.

    Without this, a request would reuse the test's app context and its session's
    identity map, which no real request ever does, and hide tenancy mistakes.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app():
    _recreate_database(TEST_DB_URL)
    app = create_app(TestConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


@pytest.fixture
def limited_client(app, db):
    """A client of an app built just now, for tests that count requests against a rate limit.

    Flask-Limiter keeps one storage per limiter, and there is one limiter per process: the last app built
    (another test's, counting in memory or in a Redis it has stopped) is where every app counts. Building an
    app binds it to this test's Redis again.
    """
    fresh = create_app(TestConfig)
    fresh.test_client_class = IsolatedClient
    return fresh.test_client()


@pytest.fixture
def redis_conn(app):
    conn = redis.Redis.from_url(app.config["REDIS_URL"])
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def db(app, redis_conn):
    """The database, emptied after the test (data is committed, as in production)."""
    with app.app_context():
        yield _db
        _db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
        with _db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            _reseed_reference_data(conn)


def _reseed_reference_data(conn):
    """Put back what the migrations seed (the skill list), as a fresh database has it."""
    conn.execute(insert(Skill), [
        {"code": code, "name_en": en, "name_ru": ru, "bit": bit, "active": True}
        for bit, (code, en, ru) in enumerate(DEFAULT_SKILLS)
    ])


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def network(db):
    """Two franchises in two regions, each with staff, a client, a site and workers."""
    return factories.two_franchise_network()


@pytest.fixture
def city(db):
    """Franchises A and B in the SAME region (one shared pool), C in another: see factories.same_region_network."""
    return factories.same_region_network()


@pytest.fixture
def live_server(app, db):
    """The app served over real HTTP by a threaded server on 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=factories.PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def pytest_report_header(config):
    return f"database: {TEST_DB_URL}  redis: {TestConfig.REDIS_URL}  pid: {os.getpid()}"
