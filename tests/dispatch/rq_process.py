"""A real `flask worker` process (the Procfile's command) against the test database and Redis."""
import os
import shlex
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from config import TestConfig
from core import queue

ROOT = Path(__file__).resolve().parents[2]


def procfile_worker() -> list[str]:
    """Return the Procfile's worker command as arguments, its `flask` the one beside this Python."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:"))
    args = shlex.split(line.removeprefix("worker:"))
    return [str(Path(sys.executable).with_name(args[0])), *args[1:]]


def _env(tmp_path: Path, settings: dict) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "ARTEL_INSTANCE_DIR": str(tmp_path / "instance"),
            "DATABASE_URL": TestConfig.SQLALCHEMY_DATABASE_URI, "REDIS_URL": TestConfig.REDIS_URL,
            "PUBLIC_BASE_URL": TestConfig.PUBLIC_BASE_URL, "TWILIO_AUTH_TOKEN": TestConfig.TWILIO_AUTH_TOKEN,
            "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1",  # the log shows what the worker did up to now
            **{k: str(v) for k, v in settings.items()}}


class RqWorker:
    """One `flask worker` process group, as the Procfile runs it (with its scheduler); kill() is SIGKILL to the
    worker and any work horse it forked.

    settings become its environment; a REDIS_URL among them is also the one it listens on."""

    def __init__(self, tmp_path: Path, **settings):
        self.log = tmp_path / f"rq-{time.monotonic_ns()}.log"
        self.process = subprocess.Popen(
            procfile_worker(),
            cwd=ROOT, env=_env(tmp_path, settings), stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, seconds: float = 120) -> bool:
        """Wait until the worker listens on its queues (a loaded machine can take a while to start it)."""
        return bool(eventually(lambda: "Listening on" in self.log.read_text(errors="replace"), seconds))

    def kill(self) -> None:
        """SIGKILL the worker and everything it started (RQ puts its work horse in a session of its own)."""
        family = descendants(self.process.pid)
        for pid in (self.process.pid, *family):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process.poll() is None:
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                pass
        self.kill()  # whatever is left, a work horse in its own session included

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def descendants(pid: int) -> list[int]:
    """Every process below pid, read from /proc."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


@contextmanager
def rq_worker(tmp_path: Path, **settings):
    """A worker that listens already when the block starts."""
    worker = RqWorker(tmp_path, **settings)
    try:
        assert worker.wait_ready(), worker.output()
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


def run_jobs(app, conn) -> None:
    """Run every queued job, and every scheduled one already due (RQ retries, the morning's), in this process."""
    queue.AppSimpleWorker(list(queue.QUEUES), connection=conn, app=app).work(burst=True, with_scheduler=True)
