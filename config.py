"""Settings, read once from the environment (DESIGN.md lists the public ones)."""
import os
import secrets
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("ARTEL_INSTANCE_DIR", BASE_DIR / "instance"))


def _instance_secret(name: str) -> str:
    """Return a secret kept under instance/, generating it on first use.

    The file is owner-only (0600) from its first byte: the secret is written to a private
    temporary file, which is then linked into place. Linking fails if another process got
    there first, and then both use the file that won, so every process reads one secret.
    """
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        temporary = INSTANCE_DIR / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
                out.flush()
                os.fsync(out.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process created it first: use that one
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_secret("secret_key")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'artel.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None  # None: the embedded in-process queue
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "simulator")
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN") or _instance_secret("twilio_auth_token")
    TWILIO_FROM = os.environ.get("TWILIO_FROM")
    TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE")  # unset: Twilio itself (tests point it at a fake)
    TWILIO_TIMEOUT = float(os.environ.get("TWILIO_TIMEOUT", "10"))

    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", PUBLIC_BASE_URL.startswith("https"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    # Redis down: the limits are counted in each process's memory, and in Redis again once it answers
    # (Flask-Limiter looks again after 1, 2, 4 ... 32 s), so logging in never depends on Redis.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}  # a hung Redis: fall back soon
    RATELIMIT_HEADERS_ENABLED = True

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "ru")
    DEFAULT_PHONE_REGION = "RU"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    # The playbook: the largest document head office may upload (under MAX_CONTENT_LENGTH, which refuses first),
    # and the font the stamp on a served copy is drawn in (Cyrillic names need it; Debian's fonts-dejavu-core).
    PLAYBOOK_MAX_MB = int(os.environ.get("PLAYBOOK_MAX_MB", "10"))
    PLAYBOOK_STAMP_FONT = os.environ.get("PLAYBOOK_STAMP_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

    API_TITLE = "Artel API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    # Address lookup; empty turns it off (typed coordinates and map clicks still work).
    GEOCODER_URL = os.environ.get("GEOCODER_URL", "https://nominatim.openstreetmap.org")
    GEOCODER_USER_AGENT = os.environ.get("GEOCODER_USER_AGENT", "artel-dispatch/1.0")
    GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "3"))
    GEOCODER_MIN_DELAY = 1.0  # Nominatim's usage policy: at most one request a second

    # K no-shows within D days suspend a worker automatically.
    NO_SHOW_SUSPEND_COUNT = int(os.environ.get("NO_SHOW_SUSPEND_COUNT", "3"))
    NO_SHOW_SUSPEND_DAYS = int(os.environ.get("NO_SHOW_SUSPEND_DAYS", "30"))

    # Dispatch: waves of offers, a multiple of the places left, every few minutes.
    DISPATCH_WAVE_MULTIPLE = int(os.environ.get("DISPATCH_WAVE_MULTIPLE", "2"))
    DISPATCH_WAVE_MINUTES = int(os.environ.get("DISPATCH_WAVE_MINUTES", "15"))
    DISPATCH_RADIUS_KM = float(os.environ.get("DISPATCH_RADIUS_KM", "25"))
    DISPATCH_MAX_CANDIDATES = 500
    # Outgoing SMS share one token bucket in Redis: this many a second, bursts up to SMS_BURST (0: no limit).
    SMS_RATE_PER_SECOND = float(os.environ.get("SMS_RATE_PER_SECOND", "30"))
    SMS_BURST = int(os.environ.get("SMS_BURST", "30"))
    # Reminders: the evening before (local hour) and this long before the start; a booked worker
    # asked to confirm has until CONFIRM_WINDOW_MINUTES later (or the last reminder) to reply 1.
    REMINDER_EVENING_HOUR = int(os.environ.get("REMINDER_EVENING_HOUR", "18"))
    REMINDER_BEFORE_MINUTES = int(os.environ.get("REMINDER_BEFORE_MINUTES", "120"))
    CONFIRM_WINDOW_MINUTES = int(os.environ.get("CONFIRM_WINDOW_MINUTES", "30"))
    SHORT_ALERT_MINUTES = int(os.environ.get("SHORT_ALERT_MINUTES", "240"))  # still short this close: alert
    # An order whose first wave would leave less than this before its start is flagged on creation.
    FIRST_WAVE_LEAD_MINUTES = int(os.environ.get("FIRST_WAVE_LEAD_MINUTES", "180"))
    # The foreman's sheet takes marks from this long before the shift starts; closing waits for the start.
    ATTENDANCE_OPENS_MINUTES = int(os.environ.get("ATTENDANCE_OPENS_MINUTES", "60"))
    # A surplus worker who came and was sent home unworked is paid this many hours at the order's pay rate.
    SHOW_UP_PAY_HOURS = Decimal(os.environ.get("SHOW_UP_PAY_HOURS", "2"))
    # A month's royalty statement is due this many days after the month ends.
    ROYALTY_DUE_DAYS = int(os.environ.get("ROYALTY_DUE_DAYS", "15"))
    # Workers quote order codes: a finished order's code is handed out again only this long after its shift.
    ORDER_CODE_QUIET_DAYS = int(os.environ.get("ORDER_CODE_QUIET_DAYS", "30"))

    # Leads: a call from a phone with an open lead this recent attaches to it; a point outside every
    # region's radius goes to the nearest region this close, else to head office.
    LEAD_DUPLICATE_HOURS = float(os.environ.get("LEAD_DUPLICATE_HOURS", "24"))
    LEAD_NEAREST_KM = float(os.environ.get("LEAD_NEAREST_KM", "100"))
    # A branch must accept a lead routed to it within LEAD_SLA_MINUTES of its working time (these hours
    # on these days, in its region's zone), else the lead goes on to the next branch (leads.sla, leads.jobs).
    LEAD_SLA_MINUTES = int(os.environ.get("LEAD_SLA_MINUTES", "15"))
    LEAD_WORKING_HOURS = os.environ.get("LEAD_WORKING_HOURS", "09:00-18:00")
    LEAD_WORKING_DAYS = os.environ.get("LEAD_WORKING_DAYS", "mon-sun")
    LEAD_SLA_SWEEP_SECONDS = int(os.environ.get("LEAD_SLA_SWEEP_SECONDS", "20"))
    # Round robin among a region's non-official branches is weighted by what they did with this many days' leads.
    LEAD_ROUTING_DAYS = int(os.environ.get("LEAD_ROUTING_DAYS", "90"))

    # Telephony: an agent whose intake screen has not asked for calls for AGENT_STALE_SECONDS is away (its page
    # asks every AGENT_POLL_SECONDS); the public web form takes LEAD_FORM_RATE_LIMIT per remote address.
    AGENT_POLL_SECONDS = int(os.environ.get("AGENT_POLL_SECONDS", "3"))
    AGENT_STALE_SECONDS = int(os.environ.get("AGENT_STALE_SECONDS", "15"))
    LEAD_FORM_RATE_LIMIT = os.environ.get("LEAD_FORM_RATE_LIMIT", "5 per minute;30 per hour")

    EMBEDDED_WORKER = _flag("EMBEDDED_WORKER", True)  # run jobs in-process when REDIS_URL is unset
    # Freeze what the app built at start out of the garbage collector's walks (gc.freeze): on for the served
    # processes; off in the tests, which build many apps in one process and would keep each one's garbage.
    GC_FREEZE = _flag("GC_FREEZE", True)
    # Where Jinja keeps its compiled templates between processes ("" keeps them in memory only).
    TEMPLATE_BYTECODE_CACHE = os.environ.get("TEMPLATE_BYTECODE_CACHE", str(INSTANCE_DIR / "templates-cache"))


class TestConfig(Config):
    TESTING = True
    GC_FREEZE = False
    TEMPLATE_BYTECODE_CACHE = ""  # each test's app compiles its own (tests/core/test_template_cache.py: the cache)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/artel_test"
    )
    # The live-server tests answer 200 replies at once from one process of 15 connections: a
    # request waits its turn for a connection rather than failing on a slow, shared machine.
    SQLALCHEMY_ENGINE_OPTIONS = {**Config.SQLALCHEMY_ENGINE_OPTIONS, "pool_timeout": 180}
    REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    RATELIMIT_STORAGE_URI = REDIS_URL
    SECRET_KEY = "test-secret"
    TWILIO_AUTH_TOKEN = "test-twilio-token"
    PUBLIC_BASE_URL = "http://artel.test"
    WTF_CSRF_ENABLED = False
    EMBEDDED_WORKER = False
    GEOCODER_URL = ""  # tests that geocode start a fake Nominatim and point here
    GEOCODER_MIN_DELAY = 0.0
