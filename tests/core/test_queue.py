"""The queue: in-process (one worker and one scheduler thread) and on real Redis with real rq workers.

Most tests use tiny Flask apps with only the queue bound, so they prove the queue alone;
the forked-worker and /healthz tests use the real app of conftest.py.
"""
import json
import os
import signal
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from flask import Flask
from rq import Queue, Retry
from rq.exceptions import StopRequested
from rq.job import Job
from rq.suspension import suspend
from sqlalchemy import text

from app import create_app
from config import TestConfig
from core import queue
from extensions import db
from tests import factories
from tests.core import queue_jobs
from tests.core.redis_process import RedisServer
from tests.dispatch.rq_process import RqWorker, eventually, rq_worker

# The suite's Redis server, but a database of the queue tests' own, the one below the suite's: they flush it.
_SUITE = urlsplit(TestConfig.REDIS_URL)
QUEUE_REDIS_URL = _SUITE._replace(path=f"/{int(_SUITE.path.strip('/')) - 1}").geturl()


def wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.02)
    return False


def proof(path: Path) -> dict:
    assert wait_for(path, 10), f"the job writing {path.name} never ran"
    return json.loads(path.read_text())


def tiny_app(tag: str, **config) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="queue-tests", PROOF_TAG=tag, **config)
    queue.init_app(app)
    return app


@contextmanager
def signals_restored():
    """rq workers take over SIGINT and SIGTERM; give them back to pytest afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.fixture(autouse=True)
def no_periodic_tasks(monkeypatch):
    """The outbox relay ticks beside every worker; these apps have no database to relay from."""
    monkeypatch.setattr(queue, "_periodic", [])


@pytest.fixture
def embedded():
    """Make apps on the in-process queue; stop its threads afterwards, leaving the process as found."""
    made = []

    def make(tag="embedded"):
        made.append(tiny_app(tag, REDIS_URL=None, EMBEDDED_WORKER=True))
        return made[-1]

    yield make
    queue.stop_embedded_worker()
    for app in made:
        queue._runtime.apps.pop(app.extensions["artel_queue"].key, None)


@pytest.fixture
def real():
    """An app on real Redis (database 14, flushed); fails, never skips, when Redis is down."""
    redis.Redis.from_url(QUEUE_REDIS_URL).flushdb()
    return tiny_app("real", REDIS_URL=QUEUE_REDIS_URL, EMBEDDED_WORKER=True)


def threads_named(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == name]


def test_embedded_jobs_run_inside_the_app_that_enqueued_them_on_one_thread(embedded, tmp_path):
    first, second = embedded("first"), embedded("second")
    with first.app_context():
        queue.enqueue(queue_jobs.note, str(tmp_path / "first"), "now", queue="sms")
        assert queue.ping() == (True, "embedded (in-process)")
    with second.app_context():
        queue.enqueue(queue_jobs.note, str(tmp_path / "second"), "now", job_id="second-job")
    assert proof(tmp_path / "first")["app"] == "first"
    assert proof(tmp_path / "second")["app"] == "second"
    assert len(threads_named("artel-jobs")) == len(threads_named("artel-scheduler")) == 1
    with second.app_context():
        # the job writes its proof, then returns; RQ marks it finished a moment after that
        job = Job.fetch("second-job", connection=queue.connection())
        deadline = time.monotonic() + 10
        while job.get_status() != "finished" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert job.get_status() == "finished"


def test_embedded_delayed_jobs_run_when_due_and_never_before(embedded, tmp_path):
    app = embedded()
    started = time.time()
    with app.app_context():
        queue.enqueue_in(timedelta(seconds=1), queue_jobs.note, str(tmp_path / "in"), "in")
        queue.enqueue_at(datetime.now(timezone.utc) + timedelta(seconds=1), queue_jobs.note, str(tmp_path / "at"), "at")
    for name in ("in", "at"):
        waited = proof(tmp_path / name)["at"] - started
        assert 1.0 <= waited < 4.0, f"enqueue_{name} ran after {waited:.2f} s"


def test_embedded_retry_runs_a_failed_job_again_after_its_interval(embedded, tmp_path):
    app = embedded()
    attempts = tmp_path / "attempts"
    with app.app_context():
        job = queue.enqueue(queue_jobs.fail_once, str(attempts), retry=Retry(max=2, interval=1))
        deadline = time.monotonic() + 10
        while job.get_status(refresh=True) != "finished" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job.get_status() == "finished"
    assert len(attempts.read_text().splitlines()) == 2


def test_a_forked_child_starts_its_own_embedded_threads(embedded, tmp_path):
    app = embedded()
    with app.app_context():  # the threads run here first; fork copies the state, not the threads
        queue.enqueue(queue_jobs.note, str(tmp_path / "parent"), "parent")
    assert proof(tmp_path / "parent")["pid"] == os.getpid()
    child = os.fork()
    if child == 0:  # the child must leave through os._exit, whatever happens
        status = 1
        try:
            with app.app_context():
                queue.enqueue(queue_jobs.note, str(tmp_path / "child"), "child")
            status = 0 if wait_for(tmp_path / "child", 10) else 2
        finally:
            os._exit(status)
    deadline = time.monotonic() + 15
    while (done := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    assert done[0] == child and os.waitstatus_to_exitcode(done[1]) == 0
    assert proof(tmp_path / "child")["pid"] == child


def test_real_redis_connection_is_in_bytes_and_app_simple_worker_runs_jobs_in_the_app(real, tmp_path):
    with real.app_context():
        job = queue.enqueue(queue_jobs.note, str(tmp_path / "real"), "real", queue="dispatch")
        queue.connection().set("artel:probe", "1")
        assert queue.connection().get("artel:probe") == b"1"  # RQ breaks on decoded responses
        assert queue.get_queue("dispatch").job_ids == [job.id]
        with pytest.raises(ValueError):
            queue.get_queue("emails")
    assert queue.start_embedded_worker(real) is False  # with Redis, the rq worker process runs jobs
    worker = queue.AppSimpleWorker(list(queue.QUEUES), connection=redis.Redis.from_url(QUEUE_REDIS_URL), app=real)
    with signals_restored():
        assert worker.work(burst=True)
    assert proof(tmp_path / "real")["app"] == "real"
    assert job.get_status(refresh=True) == "finished"


def test_periodic_tasks_run_in_the_worker_thread_between_jobs(real, monkeypatch, tmp_path):
    """Never in a thread beside the worker: RQ forks a horse per job, and a lock such a thread held at
    that moment would stay held in the horse forever."""
    seen = []
    monkeypatch.setattr(queue, "_periodic", [lambda: seen.append(threading.current_thread() is threading.main_thread())])
    with real.app_context():
        queue.enqueue(queue_jobs.note, str(tmp_path / "job"), "job", queue="default")
    worker = queue.AppSimpleWorker(list(queue.QUEUES), connection=redis.Redis.from_url(QUEUE_REDIS_URL), app=real)
    with signals_restored():
        worker.work(max_idle_time=3)  # not a burst: it waits, ticking, until idle for 3 s
    assert proof(tmp_path / "job")["app"] == "real"
    assert len(seen) >= 2 and all(seen)


def test_a_stop_asked_for_during_a_periodic_task_stops_the_worker(real, monkeypatch):
    """SIGTERM raises RQ's StopRequested wherever the idle worker is, a periodic task included."""
    calls = []

    def asks_to_stop():
        calls.append(1)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(queue, "_periodic", [asks_to_stop])
    worker = queue.AppSimpleWorker(list(queue.QUEUES), connection=redis.Redis.from_url(QUEUE_REDIS_URL), app=real)
    with signals_restored():
        worker.work(max_idle_time=5)
    assert calls == [1]  # stopped at once, not ticking on until idle for 5 s


def test_forked_app_worker_horse_opens_its_own_database_connection(app, tmp_path):
    """A horse reusing a pooled connection of its parent would share one socket with it."""
    conn = redis.Redis.from_url(QUEUE_REDIS_URL)
    conn.flushdb()
    with app.app_context():
        parent_backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # back to the pool, where a fork would find it
    Queue("default", connection=conn).enqueue(queue_jobs.backend_pid, str(tmp_path / "pid"))
    with signals_restored():
        assert queue.AppWorker(["default"], connection=conn, app=app).work(burst=True)
    assert wait_for(tmp_path / "pid", 10)
    assert int((tmp_path / "pid").read_text()) != parent_backend


def test_the_flask_worker_command_with_its_scheduler_runs_a_delayed_job_inside_the_app(real, tmp_path):
    started = time.time()
    with real.app_context():
        queue.enqueue_in(timedelta(seconds=1), queue_jobs.note, str(tmp_path / "scheduled"), "scheduled", queue="sms")
    worker = RqWorker(tmp_path, REDIS_URL=QUEUE_REDIS_URL)
    try:
        ran = wait_for(tmp_path / "scheduled", 20)
    finally:
        worker.stop()  # SIGTERM, and after a while SIGKILL to whatever is left
    output = worker.output()
    assert worker.process.returncode == 0, f"the rq worker did not stop on SIGTERM:\n{output}"
    assert ran, f"the rq worker did not run the scheduled job:\n{output}"
    result = proof(tmp_path / "scheduled")
    assert result["app"] == "app" and result["pid"] != os.getpid()  # the CLI's app (create_app), in the worker
    assert result["at"] - started >= 1.0


def test_ping_reports_real_redis_and_its_version(real):
    with real.app_context():
        ok, detail = queue.ping()
    assert ok and detail.startswith("redis ")


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never answers, like a hung Redis."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        with server:
            while True:
                try:
                    accepted.append(server.accept()[0])
                except OSError:  # closed: the test is over
                    return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.shutdown(socket.SHUT_RDWR)
    for conn in accepted:
        conn.close()


@pytest.mark.parametrize("where,error", [("refused", "ConnectionError"), ("silent", "TimeoutError")])
def test_ping_reports_an_unreachable_or_hung_redis_quickly(where, error, silent_server):
    url = {"refused": "redis://127.0.0.1:1/0", "silent": silent_server}[where]
    app = tiny_app("down", REDIS_URL=url, EMBEDDED_WORKER=True)
    with app.app_context():
        started = time.monotonic()
        ok, detail = queue.ping()
        took = time.monotonic() - started
    assert not ok and error in detail
    assert took < 2, f"ping took {took:.2f} s"


def test_healthz_reports_database_and_queue_to_an_admin(client, auth, db):
    auth.login(factories.user("admin").email)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == {"ok": True}
    assert response.json["queue"]["ok"] is True and response.json["status"] == "ok"


def test_healthz_says_degraded_when_the_queue_is_down(app, db):
    class Down(TestConfig):
        REDIS_URL = "redis://127.0.0.1:1/0"
        RATELIMIT_STORAGE_URI = "memory://"

    client = create_app(Down).test_client()
    client.post("/login", data={"email": factories.user("admin").email, "password": factories.PASSWORD})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded" and response.json["queue"]["ok"] is False
    assert response.json["database"]["ok"] is True


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, which it may stop and start again on the same port."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_scheduled_jobs_resume_within_a_minute_of_redis_coming_back(app, own_redis, tmp_path):
    """RQ's scheduler process exits on its first Redis error; the worker must bring it back once Redis returns."""
    tiny = tiny_app("outage", REDIS_URL=own_redis.url, EMBEDDED_WORKER=True)
    with rq_worker(tmp_path, REDIS_URL=own_redis.url) as worker:
        log = lambda: worker.log.read_text(errors="replace")  # noqa: E731  (the whole log, not its tail)
        assert eventually(lambda: "Scheduler for" in log(), 60), worker.output()
        assert eventually(lambda: "cleaning group registries" in log(), 60), worker.output()  # idle, waiting for jobs
        with tiny.app_context():  # due while Redis is down; kept on disk, as a persisted Redis keeps it
            queue.enqueue_in(timedelta(seconds=2), queue_jobs.note, str(tmp_path / "wave"), "wave", queue="dispatch")
        own_redis.stop()
        assert eventually(lambda: "Scheduler [PID" in log(), 30), worker.output()  # RQ's scheduler process died
        time.sleep(3)  # the outage goes on past the job's time: nobody can run it now
        assert not (tmp_path / "wave").exists()
        own_redis.start()
        assert wait_for(tmp_path / "wave", 60), f"the scheduled job did not run after Redis came back:\n{worker.output()}"
        assert worker.process.poll() is None


@contextmanager
def outage(server: RedisServer, seconds: float):
    """Redis is down when the block starts and back after seconds, whatever the block is doing then."""
    server.stop()
    comeback = threading.Thread(target=lambda: (time.sleep(seconds), server.start()))
    comeback.start()
    try:
        yield
    finally:
        comeback.join()


def test_maintenance_between_jobs_waits_out_an_outage_rather_than_ending_the_worker(own_redis):
    """RQ's work loop ends the worker on any Redis error outside its wait for a job, and its maintenance runs
    between jobs: a Redis restart at that moment would leave no rq worker at all."""
    tiny = tiny_app("outage", REDIS_URL=own_redis.url, EMBEDDED_WORKER=True)
    worker = queue.AppSimpleWorker(list(queue.QUEUES), connection=redis.Redis.from_url(own_redis.url), app=tiny)
    with outage(own_redis, seconds=2):
        worker.run_maintenance_tasks()  # raised ConnectionError into RQ's work loop
    assert worker.last_cleaned_at is not None  # it ran to its end once Redis was back


def test_the_suspension_check_between_jobs_waits_out_an_outage(own_redis):
    tiny = tiny_app("outage", REDIS_URL=own_redis.url, EMBEDDED_WORKER=True)
    worker = queue.AppSimpleWorker(list(queue.QUEUES), connection=redis.Redis.from_url(own_redis.url), app=tiny)
    with outage(own_redis, seconds=2):
        worker.check_for_suspension(False)  # raised ConnectionError into RQ's work loop; now returns when Redis is back
    suspend(own_redis.connection())
    with pytest.raises(StopRequested):  # and it still does its job: a burst worker stops when suspended
        worker.check_for_suspension(True)
