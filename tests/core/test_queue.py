"""The queue: embedded (in-process, scheduled jobs included) and real Redis with a real rq worker."""
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from rq import Queue

from app import create_app
from config import TestConfig
from core import queue
from tests.core.queue_jobs import write_proof

ROOT = Path(__file__).resolve().parents[2]


def wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


class EmbeddedConfig(TestConfig):
    REDIS_URL = None
    RATELIMIT_STORAGE_URI = "memory://"
    EMBEDDED_WORKER = True


@pytest.fixture(scope="module")
def embedded_app():
    return create_app(EmbeddedConfig)


def test_embedded_queue_runs_a_job_inside_the_app(embedded_app, tmp_path):
    proof = tmp_path / "now.txt"
    with embedded_app.app_context():
        queue.enqueue(write_proof, str(proof), "now")
        assert queue.ping() == (True, "embedded (in-process)")
    assert wait_for(proof, 10), "the embedded worker did not run the job"
    assert proof.read_text() == "now|in-app"


def test_embedded_queue_runs_delayed_jobs_when_due(embedded_app, tmp_path):
    proof = tmp_path / "later.txt"
    with embedded_app.app_context():
        queue.enqueue_in(timedelta(seconds=2), write_proof, str(proof), "later")
    time.sleep(1.0)
    assert not proof.exists(), "a delayed job ran early"
    assert wait_for(proof, 10), "the embedded scheduler never released the delayed job"


def test_real_redis_job_runs_in_an_app_worker(app, redis_conn, tmp_path):
    proof = tmp_path / "real.txt"
    with app.app_context():
        job = queue.enqueue(write_proof, str(proof), "real", queue="dispatch")
        assert queue.ping()[0] and queue.ping()[1].startswith("redis ")
    assert Queue("dispatch", connection=redis_conn).count == 1
    worker = queue.AppSimpleWorker(list(queue.QUEUES), connection=redis_conn, app=app)
    assert worker.work(burst=True)
    assert proof.read_text() == "real|in-app"
    job.refresh()
    assert job.get_status() == "finished"


def test_real_rq_worker_process_with_scheduler_runs_a_delayed_job(app, redis_conn, tmp_path):
    proof = tmp_path / "scheduled.txt"
    with app.app_context():
        queue.enqueue_in(timedelta(seconds=1), write_proof, str(proof), "scheduled")
    env = {**os.environ, "ARTEL_INSTANCE_DIR": str(tmp_path / "instance"), "PYTHONPATH": str(ROOT),
           "REDIS_URL": TestConfig.REDIS_URL, "EMBEDDED_WORKER": "0"}
    rq = Path(sys.executable).with_name("rq")
    worker = subprocess.Popen(
        [str(rq), "worker", "--with-scheduler", "--url", TestConfig.REDIS_URL, "--worker-class",
         "core.queue.AppWorker", *queue.QUEUES],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        ran = wait_for(proof, 30)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=15)[0].decode(errors="replace")
    assert ran, f"the rq worker did not run the scheduled job:\n{output[-2000:]}"
    assert proof.read_text() == "scheduled|in-app"


def test_ping_reports_an_unreachable_redis_quickly(app):
    class Down(TestConfig):
        REDIS_URL = "redis://127.0.0.1:1/0"

    down = create_app(Down)
    with down.app_context():
        started = time.monotonic()
        ok, detail = queue.ping()
    assert not ok and "ConnectionError" in detail
    assert time.monotonic() - started < 5


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == {"ok": True}
    assert response.json["queue"]["ok"] is True and response.json["status"] == "ok"


def test_healthz_says_degraded_when_the_queue_is_down(app):
    class Down(TestConfig):
        REDIS_URL = "redis://127.0.0.1:1/0"
        RATELIMIT_STORAGE_URI = "memory://"

    response = create_app(Down).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded" and response.json["queue"]["ok"] is False
    assert response.json["database"]["ok"] is True
