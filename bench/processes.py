"""Real processes for the bench: the Procfile's `flask worker` and web process, on the bench database and Redis.

Each runs in a process group of its own and is stopped, with every process it forked, when
its ``with`` block ends, however it ends.
"""
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError
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
def rq_workers(count: int = 1, *, burst: bool = False, forking: bool = False, **settings):
    """Run count `flask worker` processes on every queue, as the Procfile does, for the block; yield them.

    forking: a forked work horse for every job (the worker without --simple), to compare with the Procfile's."""
    args = procfile_worker()
    if forking:
        args = [arg for arg in args if arg != "--simple"]
    args += ["--burst"] if burst else []
    started = []
    try:
        for _ in range(count):
            started.append(_start(args, settings))
        yield started
    finally:
        _stop(started)


def procfile_worker() -> list[str]:
    """Return the Procfile's worker command as arguments, its `flask` the one beside this Python."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:"))
    args = shlex.split(line.removeprefix("worker:"))
    return [str(BIN / args[0]), *args[1:]]


def families_rss_mb(pids: list[int]) -> list[float]:
    """Resident size in MiB of the largest of each pid and the processes it forked (a work horse, the scheduler),
    from one look at /proc."""
    parents = {child: _stat(child)[0] for child in _pids()}
    return [max(_rss_kb(one) for one in [pid, *(c for c, p in parents.items() if p == pid)]) / 1024
            for pid in pids]


class Web:
    """A running web process: its base URL, and what its workers (the master's children) use of the machine."""

    def __init__(self, base: str, master: int):
        self.base, self.master = base, master

    def workers(self) -> list[int]:
        return [pid for pid in _pids() if _stat(pid)[0] == self.master]

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the workers have used so far (the master only watches them)."""
        return sum(_stat(pid)[1] for pid in self.workers()) / os.sysconf("SC_CLK_TCK")

    def largest_rss_mb(self) -> float:
        """Resident size of the largest worker, in MiB."""
        return max((_rss_kb(pid) for pid in self.workers()), default=0) / 1024


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _stat(pid: int) -> tuple[int, int]:
    """Return (parent pid, utime + stime in clock ticks) of pid from /proc/PID/stat, or (0, 0) once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0, 0
    fields = text[text.rindex(")") + 2:].split()  # the name in parentheses may hold spaces
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else 0


def procfile_command(app_spec: str | None = None) -> str:
    """Return the Procfile's web command, serving app_spec instead of Artel if given."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    command = line.removeprefix("web:").strip()
    if app_spec is not None:  # the app is the command's last word
        command = command.rsplit(None, 1)[0] + " " + shlex.quote(app_spec)
    return command


@contextmanager
def procfile_web(app_spec: str | None = None, health_path: str | None = "/healthz", **settings):
    """Run the Procfile's web process (its gunicorn settings; app_spec instead of Artel if given) on a free port.

    Yields a Web once it answers. Its base URL is also its PUBLIC_BASE_URL, the URL Twilio signs webhooks over.
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {"PORT": port, "PUBLIC_BASE_URL": base, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", **settings}
    web = [_start(["/bin/sh", "-c", "exec " + procfile_command(app_spec)], environment)]
    try:
        wait_until(lambda: _answers(base, health_path), 60, every=0.2)
        yield Web(base, web[0].pid)
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


def _answers(base: str, path: str | None) -> bool:
    """Whether base answers path with 200 (path None: whether it answers at all, any status)."""
    try:
        with urlopen(f"{base}{path or '/'}", timeout=2) as response:
            return path is None or response.status == 200
    except HTTPError:
        return path is None
    except OSError:
        return False
