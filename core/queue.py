"""The job queue: RQ on Redis, or RQ on an in-process Redis when REDIS_URL is unset.

Jobs are module-level functions taking ids (``<domain>/jobs.py``); they always run inside
an app context. With REDIS_URL the Procfile's worker runs them: ``flask worker``, a CLI
command of the app itself (core.commands), so its jobs run inside the app the CLI built.
Without it (``make run`` on a laptop) every connection of the process shares one fakeredis
server, and the first enqueue starts one worker thread and one scheduler thread per
process, so delayed jobs (enqueue_in, enqueue_at, Retry intervals) run too. RQ's own
scheduler forks a process, which could not see an in-process Redis; the thread drives the
same RQScheduler code instead. Each embedded job runs inside the app that enqueued it.
"""
import logging
import os
import threading
import time
import weakref
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import fakeredis
import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.exceptions import LockError
from redis.retry import Retry as RedisRetry
from rq import Queue, Retry, SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.job import Job, JobStatus
from rq.registry import DeferredJobRegistry, ScheduledJobRegistry
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty
from sqlalchemy.orm import configure_mappers

QUEUES = ("urgent", "dispatch", "sms", "default")  # in priority order: urgent orders' SMS go first
TICK_SECONDS = 1.0
_WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)  # a job in these is slow, not lost
APP_META = "artel_app"  # job.meta key: which embedded app enqueued the job
_periodic: list = []  # callables run about every second between the worker's jobs (the outbox relay)
log = logging.getLogger(__name__)
_fake_server = fakeredis.FakeServer()  # one per process, shared by every embedded connection


class _State:
    def __init__(self, app: Flask):
        self.key = uuid4().hex
        url = app.config.get("REDIS_URL") or None
        self.embedded = url is None
        self.run_jobs_here = self.embedded and bool(app.config.get("EMBEDDED_WORKER", True))
        if self.embedded:
            self.conn = self.ping_conn = fakeredis.FakeRedis(server=_fake_server)
        else:
            # bytes mode, as RQ needs; timeouts so a hung Redis cannot hang a request forever
            self.conn = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)
            # /healthz must answer within about a second: one try, no retry backoff
            self.ping_conn = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1,
                                                  retry=RedisRetry(NoBackoff(), 0))


class _Runtime:
    """The process's embedded worker and scheduler threads, shared by its embedded apps."""

    def __init__(self):
        self.lock = threading.Lock()
        self.apps = weakref.WeakValueDictionary()  # state key -> app whose jobs run here
        self.pid = None  # the process the threads run in: a forked child must start its own
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []


_runtime = _Runtime()
# A lock held by another thread at fork time stays held forever in the child.
os.register_at_fork(after_in_child=lambda: setattr(_runtime, "lock", threading.Lock()))


def init_app(app: Flask) -> None:
    """Bind the queue to app's REDIS_URL, or to the in-process Redis when it is unset."""
    state = app.extensions["artel_queue"] = _State(app)
    if state.run_jobs_here:
        _runtime.apps[state.key] = app


def _state(app: Flask | None = None) -> _State:
    return (app or current_app).extensions["artel_queue"]


def connection() -> redis.Redis:
    """Return the Redis connection of the queue (real or embedded), in bytes mode."""
    return _state().conn


def get_queue(name: str = "default") -> Queue:
    """Return the RQ queue called name, bound to the app's connection."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues are {', '.join(QUEUES)}")
    return Queue(name, connection=connection())


def _put(method: str, queue: str, args: tuple, kwargs: dict) -> Job:
    state = _state()
    if state.embedded:  # the one embedded worker runs it inside the app that asked
        kwargs["meta"] = {**(kwargs.get("meta") or {}), APP_META: state.key}
    job = getattr(get_queue(queue), method)(*args, **kwargs)
    start_embedded_worker()
    return job


def enqueue(func, *args, queue: str = "default", job_id: str | None = None, **kwargs) -> Job:
    """Enqueue func(*args, **kwargs) now; RQ options such as retry or meta pass through."""
    return _put("enqueue", queue, (func, *args), {"job_id": job_id, **kwargs})


def enqueue_many(func, calls: list[tuple[tuple, str]], queue: str = "default", **options) -> list[Job]:
    """Enqueue func once per (args, job_id) in one round trip to Redis; RQ options apply to each."""
    state = _state()
    if state.embedded:
        options["meta"] = {**(options.get("meta") or {}), APP_META: state.key}
    target = get_queue(queue)
    jobs = target.enqueue_many([Queue.prepare_data(func, args=args, job_id=job_id, **options) for args, job_id in calls])
    start_embedded_worker()
    return jobs


def _whole_second(when: datetime) -> datetime:
    # RQ scores scheduled jobs in whole seconds, truncated: round up, or it runs up to 1 s early.
    return when.replace(microsecond=0) + timedelta(seconds=1) if when.microsecond else when


def enqueue_at(when: datetime, func, *args, queue: str = "default", job_id: str | None = None, **kwargs) -> Job:
    """Enqueue func to run at when (aware; naive means UTC), never before it."""
    return _put("enqueue_at", queue, (_whole_second(when), func, *args), {"job_id": job_id, **kwargs})


@dataclass(frozen=True)
class Call:
    """One job to hand to RQ: the dotted path of its function, its arguments and queue, the job id,
    the waits in seconds between retries (none: no retry), and when it may run (None: now)."""

    func: str
    args: tuple = ()
    queue: str = "default"
    job_id: str | None = None
    retry: tuple[int, ...] = ()
    at: datetime | None = None


def enqueue_calls(calls: list[Call]) -> None:
    """Hand calls to RQ in one round trip: those due now to their queues, later ones to the scheduler."""
    state = _state()
    meta = {APP_META: state.key} if state.embedded else None
    now = datetime.now(timezone.utc)
    with connection().pipeline() as pipe:
        for name in {call.queue for call in calls}:
            target = get_queue(name)
            mine = [call for call in calls if call.queue == name]
            due = [call for call in mine if call.at is None or call.at <= now]
            if due:
                target.enqueue_many([Queue.prepare_data(call.func, args=call.args, job_id=call.job_id, meta=meta,
                                                        retry=_retry(call.retry)) for call in due], pipeline=pipe)
            for call in mine:
                if call not in due:
                    target.enqueue_at(_whole_second(call.at), call.func, *call.args, job_id=call.job_id, meta=meta,
                                      retry=_retry(call.retry), pipeline=pipe)
        pipe.execute()
    start_embedded_worker()


def _retry(waits: tuple[int, ...]) -> Retry | None:
    return Retry(max=len(waits), interval=list(waits)) if waits else None


def enqueue_in(delay: timedelta, func, *args, queue: str = "default", job_id: str | None = None, **kwargs) -> Job:
    """Enqueue func to run after delay, never sooner."""
    return enqueue_at(datetime.now(timezone.utc) + delay, func, *args, queue=queue, job_id=job_id, **kwargs)


def jobs_waiting(job_ids: list[str]) -> set[str]:
    """Return which of these jobs still wait in a queue or a registry (behind a backlog, not lost).

    The status alone does not tell: a worker killed between taking a job off its queue and
    marking it started leaves it "queued" in no queue at all, so each one is looked for where
    its status says it is.
    """
    conn = connection()
    jobs = Job.fetch_many(job_ids, connection=conn) if job_ids else []
    waiting = [job for job in jobs if job is not None and job.get_status(refresh=False) in _WAITING]
    if not waiting:
        return set()
    with conn.pipeline(transaction=False) as pipe:
        for job in waiting:
            status = job.get_status(refresh=False)
            if status == JobStatus.QUEUED:
                pipe.lpos(Queue(job.origin, connection=conn).key, job.id)
            else:
                registry = ScheduledJobRegistry if status == JobStatus.SCHEDULED else DeferredJobRegistry
                pipe.zscore(registry(job.origin, connection=conn).key, job.id)
        places = pipe.execute()
    return {job.id for job, place in zip(waiting, places) if place is not None}


@contextmanager
def short_lock(key: str, seconds: int):
    """Hold a Redis lock on key for at most seconds; yield False (and hold nothing) if someone else has it.

    It expires by itself, so a process killed while holding it blocks the key only that long.
    """
    lock = connection().lock(f"artel:lock:{key}", timeout=seconds, blocking=False)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            try:
                lock.release()
            except LockError:  # it expired: someone may hold it now, leave it be
                pass


_RELEASE = """
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0
"""


@contextmanager
def short_locks(keys: list[str], seconds: int):
    """Hold the locks of short_lock on many keys at once, in two round trips; yield the keys this caller got.

    A key someone else holds is left out; every lock taken expires by itself, as short_lock's do.
    """
    token = uuid4().hex.encode()
    names = [f"artel:lock:{key}" for key in keys]
    with connection().pipeline(transaction=False) as pipe:
        for name in names:
            pipe.set(name, token, nx=True, ex=seconds)
        taken = pipe.execute()
    mine = [name for name, ok in zip(names, taken) if ok]
    try:
        yield {key for key, ok in zip(keys, taken) if ok}
    finally:
        if mine:
            connection().register_script(_RELEASE)(keys=mine, args=[token])


def job_ids_waiting(prefix: str) -> set[str]:
    """Return the ids starting with prefix of every job waiting in a queue or for its time (scheduled, deferred).

    Unlike jobs_waiting it needs no ids: it reads the queues and registries themselves, so a job
    popped by a worker killed before it marked the job started is not among them.
    """
    conn = connection()
    with conn.pipeline(transaction=False) as pipe:
        for name in QUEUES:
            target = Queue(name, connection=conn)
            pipe.lrange(target.key, 0, -1)
            pipe.zrange(ScheduledJobRegistry(name, connection=conn).key, 0, -1)
            pipe.zrange(DeferredJobRegistry(name, connection=conn).key, 0, -1)
        found = pipe.execute()
    wanted = prefix.encode()
    return {job_id.decode() for ids in found for job_id in ids if job_id.startswith(wanted)}


def once_per(key: str, seconds: int) -> bool:
    """Return True for the first caller in any process within each period of seconds, False for the rest."""
    return bool(connection().set(f"artel:once:{key}", "1", nx=True, ex=seconds))


def every_tick(func):
    """Run func (no arguments, inside the app) about once a second beside the job worker."""
    _periodic.append(func)
    return func


def _run_periodic(app: Flask) -> None:
    for func in _periodic:
        try:
            with app.app_context():
                func()
        except StopRequested:
            raise  # the worker's SIGTERM handler asks it to stop: it must get through
        except Exception:  # the next tick tries again
            log.exception("periodic task %s failed", getattr(func, "__name__", func))


def worker_connection(app: Flask) -> redis.Redis:
    """Return a connection for an RQ worker process: bytes mode and no read timeout (RQ blocks on its queues)."""
    return redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=5, health_check_interval=30)


def ping() -> tuple[bool, str]:
    """Return whether the queue's Redis answers, and a short detail; never raises."""
    state = _state()
    try:
        if state.embedded:
            state.ping_conn.ping()
            return True, "embedded (in-process)"
        return True, f"redis {state.ping_conn.info('server').get('redis_version', '?')}"
    except Exception as exc:  # healthz reports it; nothing to recover here
        return False, f"{type(exc).__name__}: {exc}"[:200]


def _fresh_db_pools(app: Flask) -> None:
    """Forget pooled database connections copied by fork, so horse and worker never share one."""
    sqlalchemy = app.extensions.get("sqlalchemy")
    if sqlalchemy is not None:
        for engine in sqlalchemy.engines.values():
            engine.dispose(close=False)  # close=False: the parent still uses those sockets


class _InsideTheApp:
    """Run each job inside the Artel app, and the periodic tasks between jobs."""

    app: Flask  # the app whose jobs this worker runs (``flask worker`` passes the CLI's own)
    _next_tick = 0.0  # when the periodic tasks are due again, in time.monotonic()
    # While Redis is down RQ retries with a doubling wait, up to a minute by default: notice its return sooner.
    max_connection_wait_time = 5.0

    def __init__(self, *args, app: Flask, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app

    def _app(self) -> Flask:
        return self.app

    def perform_job(self, job, queue, execution):
        # rq 3 calls perform_job in the forked work horse (Worker) or in-process (SimpleWorker).
        with self._app().app_context():
            if self._is_horse:
                _fresh_db_pools(self.app)
            return super().perform_job(job, queue, execution)

    def work(self, *args, **kwargs):
        self._app()  # before RQ forks its scheduler and horses, so they inherit it
        configure_mappers()  # once here, rather than in every work horse
        self._next_tick = time.monotonic() + TICK_SECONDS  # a burst run that ends sooner runs none
        return super().work(*args, **kwargs)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        """Wait for a job a second at a time, running the periodic tasks in between.

        They run here, in the worker's main thread, and never in a thread of ours beside it:
        RQ forks a work horse per job, and a thread holding a lock at that moment (SQLAlchemy's
        mapper configuration mutex, a connection pool's) would leave the horse waiting for it
        forever.
        """
        idle_since = time.monotonic()
        while not self._stop_requested:
            if time.monotonic() >= self._next_tick:
                self._next_tick = time.monotonic() + TICK_SECONDS
                self._revive_scheduler()
                _run_periodic(self._app())
            if timeout is None:  # burst: one look at the queues
                return super().dequeue_job_and_maintain_ttl(None, max_idle_time)
            result = super().dequeue_job_and_maintain_ttl(1, 1)
            if result is not None:
                return result
            if max_idle_time is not None and time.monotonic() - idle_since >= max_idle_time:
                return None
        return None  # asked to stop (SIGTERM) while not idle: the work loop ends

    def run_maintenance_tasks(self):
        self._waiting_out_outages(super().run_maintenance_tasks)

    def check_for_suspension(self, burst: bool):
        self._waiting_out_outages(lambda: super(_InsideTheApp, self).check_for_suspension(burst))

    def _waiting_out_outages(self, step) -> None:
        """Run step, waiting for Redis while it is down, as RQ does only in its wait for a job.

        RQ's work loop ends the worker on any Redis error outside that wait, and these steps run
        between jobs: a Redis restart at that moment would leave no worker at all. A stop asked
        for meanwhile (SIGTERM) still gets through: RQ raises StopRequested from its handler.
        """
        wait = 1.0
        while True:
            try:
                return step()
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                self.log.error("Worker %s: Redis unreachable (%s), retrying in %d s", self.name, exc, wait)
                time.sleep(wait)
                wait = min(wait * 2, self.max_connection_wait_time)

    def _revive_scheduler(self) -> None:
        """Start RQ's scheduler process again if it died, as soon as Redis answers.

        The scheduler process exits on its first Redis error (a restart, a failover), and RQ looks
        at it again only in its maintenance tasks, every ten minutes: until then no delayed job
        (waves, Retry intervals) would run. A worker whose scheduler never started, because another
        worker's holds the locks, is left to RQ's own fallback. The fork happens here, in the main
        thread, between jobs, like RQ's own start of it.
        """
        scheduler = self.scheduler
        if scheduler is None or scheduler._process is None or scheduler._process.is_alive():
            return
        try:
            if scheduler.acquire_locks(auto_start=True):
                self.log.info("Worker %s: scheduler restarted with PID %s", self.name, scheduler._process.pid)
        except redis.RedisError as exc:  # still down: the next tick tries again
            self.log.warning("Worker %s: scheduler not restarted yet: %s", self.name, exc)


class AppWorker(_InsideTheApp, Worker):
    """An RQ worker whose jobs run inside the Artel app, each in a forked work horse (``flask worker``)."""


class AppSimpleWorker(_InsideTheApp, SimpleWorker):
    """The same without forking: jobs run in the worker's own process."""


class _ThreadWorker(SimpleWorker):
    """The embedded worker: a thread of the web process, so no signals and a timer for timeouts."""

    death_penalty_class = TimerDeathPenalty

    def __init__(self, *args, stop: threading.Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop = stop

    def _install_signal_handlers(self):
        pass  # only the main thread may install signal handlers, and the web server owns them

    def perform_job(self, job, queue, execution):
        # The app that enqueued it, else the newest one (a job enqueued with plain RQ calls).
        apps = _runtime.apps
        app = apps.get(job.meta.get(APP_META)) or ([*apps.values()] or [None])[-1]
        with app.app_context() if app else nullcontext():
            return super().perform_job(job, queue, execution)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        # RQ blocks up to worker_ttl - 15 s for a job; wake every second to notice a stop.
        while not self.stop.is_set():
            result = super().dequeue_job_and_maintain_ttl(1, 1)
            if result is not None:
                return result
        return None  # work() returns


def start_embedded_worker(app: Flask | None = None) -> bool:
    """Start this process's worker and scheduler threads once; True if app's jobs run in-process."""
    if not _state(app).run_jobs_here:
        return False
    with _runtime.lock:
        if _runtime.pid != os.getpid():  # never started here, stopped, or inherited over fork
            stop = _runtime.stop = threading.Event()
            _runtime.threads = [threading.Thread(target=run, args=(stop,), name=name, daemon=True)
                                for run, name in ((_work, "artel-jobs"), (_schedule, "artel-scheduler"))]
            for thread in _runtime.threads:
                thread.start()
            _runtime.pid = os.getpid()
    return True


def stop_embedded_worker(timeout: float = 5.0) -> None:
    """Stop this process's embedded threads, waiting up to timeout; the next enqueue restarts them."""
    with _runtime.lock:
        _runtime.stop.set()
        _runtime.pid = None
        threads, _runtime.threads = _runtime.threads, []
    for thread in threads:  # a job still running finishes first
        thread.join(timeout)


def _work(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            _ThreadWorker(list(QUEUES), connection=fakeredis.FakeRedis(server=_fake_server), stop=stop).work(
                logging_level="WARNING")
        except Exception:  # a worker that died must not leave the process without one
            log.exception("embedded RQ worker crashed; starting another")
        stop.wait(TICK_SECONDS)


def _schedule(stop: threading.Event) -> None:
    """Move due scheduled jobs into their queues and run the periodic tasks, about once a second."""
    scheduler = RQScheduler(list(QUEUES), connection=fakeredis.FakeRedis(server=_fake_server),
                            logging_level="WARNING")
    while not stop.wait(TICK_SECONDS):
        try:
            scheduler.acquire_locks()  # also refreshes them; they expire a minute after a stop
            scheduler.enqueue_scheduled_jobs()
        except Exception:  # keep scheduling; the next tick retries
            log.exception("embedded scheduler tick failed")
        for app in list(_runtime.apps.values()):
            _run_periodic(app)
    scheduler.release_locks()
