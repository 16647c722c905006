"""The app (TestConfig) served over HTTP in a process of its own, with settings of the test's choosing.

A process of its own, because some extensions keep one state per process rather than per app
(Flask-Limiter binds one storage to its single Limiter): an app built inside the test process
for other settings would change it under the suite's app.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class AppServer:
    """`python -m tests.core.app_process` with settings as its environment (TEST_REDIS_URL, ...)."""

    def __init__(self, tmp_path: Path, **settings):
        self.log = tmp_path / f"app-{time.monotonic_ns()}.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ARTEL_INSTANCE_DIR": str(tmp_path / "instance"),
               "PYTHONUNBUFFERED": "1", **{k: str(v) for k, v in settings.items()}}
        self.process = subprocess.Popen([sys.executable, "-m", "tests.core.app_process"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=self.log.open("wb"), text=True)
        port = self.process.stdout.readline().strip()  # the child's first line, once it listens
        assert port.isdigit(), f"the app did not start:\n{self.output()}"
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process.stdout.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    from werkzeug.serving import make_server

    from app import create_app
    from config import TestConfig

    server = make_server("127.0.0.1", 0, create_app(TestConfig), threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()
