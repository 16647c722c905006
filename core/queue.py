"""The job queue: RQ on Redis, or RQ on an in-process Redis when REDIS_URL is unset.

Jobs are module-level functions taking ids (``<domain>/jobs.py``); they always run inside
an app context. With REDIS_URL the Procfile's worker runs them:
``rq worker --with-scheduler --worker-class core.queue.AppWorker dispatch sms default``.
Without it (``make run`` on a laptop) the web process keeps a fakeredis server and runs
one worker thread and one scheduler thread beside the app, so delayed jobs (enqueue_in,
enqueue_at, Retry intervals) run too. RQ's own scheduler forks a process, which could not
see an in-process Redis; the thread drives the same RQScheduler code instead.
"""
import logging
import threading
from datetime import datetime, timedelta

import fakeredis
import redis
from flask import Flask, current_app
from rq import Queue, SimpleWorker, Worker
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

QUEUES = ("dispatch", "sms", "default")  # by workload, in priority order
TICK_SECONDS = 1.0
_periodic: list = []  # callables run about every second beside the worker (the outbox relay)
log = logging.getLogger(__name__)
_fake_server = fakeredis.FakeServer()  # one per process, shared by every embedded connection


class _State:
    def __init__(self, app: Flask):
        self.app = app
        self.url = app.config.get("REDIS_URL") or None
        self.embedded = self.url is None
        self.run_jobs_here = self.embedded and app.config.get("EMBEDDED_WORKER", True)
        if self.embedded:
            self.conn = fakeredis.FakeRedis(server=_fake_server)
        else:
            # bytes mode (RQ needs it), and short timeouts so /healthz answers promptly
            self.conn = redis.Redis.from_url(self.url, socket_connect_timeout=2, health_check_interval=30)
        self.started = False
        self.lock = threading.Lock()
        self.stop = threading.Event()


def init_app(app: Flask) -> None:
    app.extensions["artel_queue"] = _State(app)


def _state() -> _State:
    return current_app.extensions["artel_queue"]


def connection() -> redis.Redis:
    """Return the Redis connection of the queue (real or embedded), in bytes mode."""
    return _state().conn


def get_queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues are {', '.join(QUEUES)}")
    return Queue(name, connection=connection())


def enqueue(func, *args, queue: str = "default", **kwargs):
    """Enqueue func(*args, **kwargs) now; RQ options such as job_id or retry pass through."""
    job = get_queue(queue).enqueue(func, *args, **kwargs)
    start_embedded_worker()
    return job


def enqueue_in(delay: timedelta, func, *args, queue: str = "default", **kwargs):
    """Enqueue func to run after delay."""
    job = get_queue(queue).enqueue_in(delay, func, *args, **kwargs)
    start_embedded_worker()
    return job


def enqueue_at(when: datetime, func, *args, queue: str = "default", **kwargs):
    """Enqueue func to run at when (an aware datetime)."""
    job = get_queue(queue).enqueue_at(when, func, *args, **kwargs)
    start_embedded_worker()
    return job


def every_tick(func):
    """Run func (no arguments, inside the app) about once a second beside the job worker."""
    _periodic.append(func)
    return func


def _run_periodic(app: Flask) -> None:
    for func in _periodic:
        try:
            with app.app_context():
                func()
        except Exception:  # the next tick tries again
            log.exception("periodic task %s failed", getattr(func, "__name__", func))


def ping() -> tuple[bool, str]:
    """Return whether the queue's Redis answers, and a short detail; never raises."""
    state = _state()
    try:
        state.conn.ping()
        if state.embedded:
            return True, "embedded (in-process)"
        return True, f"redis {state.conn.info('server').get('redis_version', '?')}"
    except Exception as exc:  # healthz reports it; nothing to recover here
        return False, f"{type(exc).__name__}: {exc}"[:200]


class _InsideTheApp:
    """Run each job inside the Artel app, and the periodic tasks beside the worker loop."""

    app: Flask | None = None

    def __init__(self, *args, app: Flask | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if app is not None:
            self.app = app

    def _app(self) -> Flask:
        if self.app is None:
            from app import create_app  # built once per worker process, never at import time

            type(self).app = create_app()
        return self.app

    def perform_job(self, job, queue, execution):
        with self._app().app_context():
            return super().perform_job(job, queue, execution)

    def work(self, *args, **kwargs):
        app = self._app()
        stop = threading.Event()

        def tick():
            while not stop.wait(TICK_SECONDS):
                _run_periodic(app)

        threading.Thread(target=tick, name="artel-periodic", daemon=True).start()
        try:
            return super().work(*args, **kwargs)
        finally:
            stop.set()


class AppWorker(_InsideTheApp, Worker):
    """An RQ worker whose jobs run inside the Artel app (for `rq worker --worker-class`)."""


class AppSimpleWorker(_InsideTheApp, SimpleWorker):
    """The same without forking: jobs run in the worker's own process."""


class _ThreadWorker(AppSimpleWorker):
    """The embedded worker: a thread of the web process, so no signals and a timer for timeouts."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass  # only the main thread may install signal handlers, and the web server owns them


def start_embedded_worker(app: Flask | None = None) -> bool:
    """Start the in-process worker and scheduler threads once; True if they run (or already ran)."""
    state = (app or current_app).extensions["artel_queue"]
    if not state.run_jobs_here:
        return False
    with state.lock:
        if state.started:
            return True
        worker = _ThreadWorker(list(QUEUES), connection=state.conn, app=state.app)
        threading.Thread(target=worker.work, kwargs={"logging_level": "WARNING"}, name="artel-jobs", daemon=True).start()
        threading.Thread(target=_schedule, args=(state,), name="artel-scheduler", daemon=True).start()
        state.started = True
        return True


def _schedule(state: _State) -> None:
    """Move due scheduled jobs into their queues and run the periodic tasks, about once a second."""
    scheduler = RQScheduler(list(QUEUES), connection=state.conn)
    while not state.stop.wait(TICK_SECONDS):
        try:
            scheduler.acquire_locks()
            scheduler.enqueue_scheduled_jobs()
        except Exception:  # keep scheduling; the next tick retries
            log.exception("embedded scheduler tick failed")
        _run_periodic(state.app)
