"""A real `rq worker` process (the Procfile's command) against the test database and Redis."""
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from config import TestConfig
from core import queue

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, settings: dict) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "ARTEL_INSTANCE_DIR": str(tmp_path / "instance"),
            "DATABASE_URL": TestConfig.SQLALCHEMY_DATABASE_URI, "REDIS_URL": TestConfig.REDIS_URL,
            "PUBLIC_BASE_URL": TestConfig.PUBLIC_BASE_URL, "TWILIO_AUTH_TOKEN": TestConfig.TWILIO_AUTH_TOKEN,
            **{k: str(v) for k, v in settings.items()}}


class RqWorker:
    """One `rq worker --with-scheduler` process group; kill() is SIGKILL to the worker and its work horse."""

    def __init__(self, tmp_path: Path, **settings):
        self.log = tmp_path / f"rq-{time.monotonic_ns()}.log"
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("rq")), "worker", "--with-scheduler", "--url", TestConfig.REDIS_URL,
             "--worker-class", "core.queue.AppWorker", *queue.QUEUES],
            cwd=ROOT, env=_env(tmp_path, settings), stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextmanager
def rq_worker(tmp_path: Path, **settings):
    worker = RqWorker(tmp_path, **settings)
    try:
        yield worker
    finally:
        worker.stop()


def eventually(check, seconds: float = 30, every: float = 0.2):
    """Return check()'s first truthy value within seconds, else its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)
