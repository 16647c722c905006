"""Real Artel processes for the bench: the Procfile's `flask worker` and gunicorn, on the bench database and Redis.

Each runs in a process group of its own and is stopped, with every process it forked, when
its ``with`` block ends, however it ends.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

from flask import current_app

from bench.harness import BENCH_DB_URL, BENCH_REDIS_URL

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STOP_SECONDS = 20


def _log() -> Path:
    return Path(current_app.instance_path) / "processes.log"


def forget_log() -> None:
    """Start processes.log afresh: it keeps what the processes of one run said."""
    _log().unlink(missing_ok=True)


def _start(args: list[str], settings: dict) -> subprocess.Popen:
    """Start args in ROOT with the bench's database and Redis and settings on top; output goes to processes.log."""
    env = {**os.environ, "DATABASE_URL": BENCH_DB_URL, "REDIS_URL": BENCH_REDIS_URL,
           "ARTEL_INSTANCE_DIR": current_app.instance_path, **{name: str(value) for name, value in settings.items()}}
    with _log().open("ab") as log:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(processes: list[subprocess.Popen]) -> None:
    """Ask each process to stop, then kill what is left of its group (a horse, the scheduler, a hung process)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the whole group is gone already
        process.wait()


@contextmanager
def rq_workers(count: int = 1, *, burst: bool = False, simple: bool = False, **settings):
    """Run count `flask worker` processes on every queue, as the Procfile does, for the block; yield them.

    simple: jobs run in the worker's own process rather than a forked work horse each."""
    args = [str(BIN / "flask"), "--app", "app:create_app", "worker", *(["--burst"] if burst else []),
            *(["--simple"] if simple else [])]
    started = []
    try:
        for _ in range(count):
            started.append(_start(args, settings))
        yield started
    finally:
        _stop(started)


@contextmanager
def gunicorn(workers: int, threads: int, **settings):
    """Serve the app with gunicorn on a free local port for the block; yield its base URL once it answers.

    The base URL is also its PUBLIC_BASE_URL, the URL Twilio signs webhooks over.
    """
    base = f"http://127.0.0.1:{_free_port()}"
    args = [str(BIN / "gunicorn"), "--bind", base.removeprefix("http://"), "--workers", str(workers),
            "--threads", str(threads), "app:create_app()"]
    web = [_start(args, {**settings, "PUBLIC_BASE_URL": base})]
    try:
        wait_until(lambda: _healthy(base), 60, every=0.2)
        yield base
    finally:
        _stop(web)


def wait_until(check, seconds: float, every: float = 0.002):
    """Call check every `every` seconds until it returns something true; return that, or raise after seconds."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"still waiting for {getattr(check, '__name__', check)} after {seconds} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urlopen(f"{base}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
