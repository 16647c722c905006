"""A redis-server of the test's own on a free port: stopped and started again on the same port, like an outage."""
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on (just now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _real_clock() -> dict:
    """The environment without libfaketime: Redis keeps its own clock, as the machine's Redis does at night."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


class RedisServer:
    """One redis-server process; stop() saves its data to disk and start() loads it, as a persisted Redis does."""

    def __init__(self, folder: Path):
        self.binary = shutil.which("redis-server")
        assert self.binary, "redis-server is not installed (apt-get install redis-server)"
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, seconds: float = 30) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no"],
            stdout=(self.folder / f"redis-{self.port}.log").open("ab"), stderr=subprocess.STDOUT,
            env=_real_clock())
        conn = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + seconds
        while True:
            try:
                conn.ping()
                return
            except redis.ConnectionError:
                assert self.process.poll() is None and time.monotonic() < deadline, self.log()
                time.sleep(0.05)

    def connection(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)

    def stop(self) -> None:
        """Shut the server down, saving its data (scheduled jobs included) for the next start."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            redis.Redis.from_url(self.url).shutdown(save=True)
        except redis.ConnectionError:
            pass  # it closes the connection as it goes
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def log(self) -> str:
        path = self.folder / f"redis-{self.port}.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""
