"""Settings from environment variables, one class per environment."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _flag(name: str, default: bool | None = None) -> bool | None:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _ints(name: str, default: str) -> tuple[int, ...]:
    return tuple(int(part) for part in _env(name, default).split(",") if part.strip())


class BaseConfig:
    """Settings every environment shares; each value can come from the environment."""

    ENV_NAME = "base"
    SECRET_KEY = _env("SECRET_KEY", "dev-only-secret-key-change-me")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'yimatong.db'}")
    # A pooled connection idle longer than this is pinged before use (a fresh or just-used one is
    # not: a round trip saved per request); a dead one is replaced, the request never sees it.
    DATABASE_PING_IDLE_SECONDS = _int("DATABASE_PING_IDLE_SECONDS", 10)
    # On PostgreSQL a request's transaction begins at its first write (app.core.uow): a request that
    # only reads sends no BEGIN and no COMMIT, two round trips fewer.
    TRANSACTION_AT_FIRST_WRITE = _flag("TRANSACTION_AT_FIRST_WRITE", True)
    # Streaming replicas (comma-separated URLs) for the reads of routes marked replica_ok; none: the
    # primary serves everything. A replica further behind than REPLICA_MAX_LAG_SECONDS, or down, is
    # not used; its health is asked every REPLICA_CHECK_SECONDS; a caller that wrote reads from the
    # primary for REPLICA_PIN_SECONDS (never less than the lag allowed plus the check interval).
    DATABASE_REPLICA_URLS = _env("DATABASE_REPLICA_URLS")
    REPLICA_MAX_LAG_SECONDS = _int("REPLICA_MAX_LAG_SECONDS", 5)
    REPLICA_CHECK_SECONDS = _int("REPLICA_CHECK_SECONDS", 2)
    REPLICA_PIN_SECONDS = _int("REPLICA_PIN_SECONDS", 15)
    REPLICA_CONNECT_TIMEOUT = _int("REPLICA_CONNECT_TIMEOUT", 2)
    REDIS_URL = _env("REDIS_URL")
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    JSON_SORT_KEYS = False

    # i18n
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LOCALES_DIR = str(BASE_DIR / "locales")  # one catalog folder per domain: locales/<domain>/<locale>/
    SUPPORTED_LOCALES = ("zh_Hans", "zh_Hant", "en")
    BUSINESS_TIMEZONE = "Asia/Shanghai"

    # PII keys: 32 bytes, urlsafe base64. Development keys are derived, never used in production.
    PII_ENCRYPTION_KEY = _env("PII_ENCRYPTION_KEY")
    PII_HASH_KEY = _env("PII_HASH_KEY")

    # OpenAPI (flask-smorest)
    API_TITLE = "Yimatong 一码通城 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/docs/static/"

    # Rate limiting (Flask-Limiter): Redis storage when configured, memory otherwise.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI") or _env("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis unreachable: count in this process's memory instead of failing the request. Only the limits
    # by client address live there (sign-in, wrong client credentials); the per-phone and per-code limits
    # of sign-in codes are in the database and hold across processes whatever Redis does.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # Flask-Limiter would overwrite a precise Retry-After (e.g. the per-phone SMS wait) with its own
    # window's reset; it reports that in this header instead, and 429 problems carry Retry-After.
    RATELIMIT_HEADER_RETRY_AFTER = "X-RateLimit-Retry-After"

    # Tokens: the issuer URL names this deployment in every token it signs. Unset (outside
    # production), the issuer is the URL each request reached, and LOCAL_URL (the port ./scripts/run-demo
    # serves on, PORT) for tokens made outside a request, such as `flask token`.
    OIDC_ISSUER = _env("OIDC_ISSUER")
    LOCAL_URL = f"http://127.0.0.1:{_env('PORT', '5000')}"
    API_AUDIENCE = "yimatong-api"
    ACCESS_TOKEN_TTL_SECONDS = _int("ACCESS_TOKEN_TTL_SECONDS", 600)
    REFRESH_TOKEN_TTL_SECONDS = _int("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)
    # The city code's lifetime (at most 120 s).
    CITYCODE_TTL_SECONDS = _int("CITYCODE_TTL_SECONDS", 60)
    # The scan log through a Redis stream (app/identity/scanlog.py). Unset: whenever REDIS_URL is
    # set; without Redis each scan is written with its request. A flusher moves the stream into the
    # scan log every CITYCODE_SCAN_FLUSH_SECONDS (the periodic job) and takes over entries another
    # flusher read and left unacknowledged for CITYCODE_SCAN_CLAIM_IDLE_SECONDS.
    CITYCODE_SCAN_BUFFER = _flag("CITYCODE_SCAN_BUFFER")
    CITYCODE_SCAN_STREAM = _env("CITYCODE_SCAN_STREAM", "ymt:citycode:scans")
    CITYCODE_SCAN_FLUSH_SECONDS = _int("CITYCODE_SCAN_FLUSH_SECONDS", 2)
    CITYCODE_SCAN_CLAIM_IDLE_SECONDS = _int("CITYCODE_SCAN_CLAIM_IDLE_SECONDS", 30)
    # Reference data each process keeps (app/core/refdata.py: streets, departments, categories, the
    # calendar): another process's change is seen within REFDATA_CHECK_SECONDS through Redis, and
    # nothing is kept longer than REFDATA_MAX_AGE_SECONDS (the bound without Redis).
    REFDATA_CHECK_SECONDS = _int("REFDATA_CHECK_SECONDS", 1)
    REFDATA_MAX_AGE_SECONDS = _int("REFDATA_MAX_AGE_SECONDS", 60)

    # Sign-in: per client address (Flask-Limiter syntax), on top of the per-phone SMS limits;
    # how long the hosted sign-in page remembers a person (its session cookie).
    SIGN_IN_ADDRESS_RATE_LIMIT = _env("SIGN_IN_ADDRESS_RATE_LIMIT", "10 per minute;60 per hour")
    # Wrong client credentials (OAuth client secrets, Open311 api_keys) per client address: a
    # requester that keeps failing waits; the institution itself, calling from its own address, never.
    CLIENT_AUTH_FAILURE_RATE_LIMIT = _env("CLIENT_AUTH_FAILURE_RATE_LIMIT", "10 per minute;100 per hour")
    SIGN_IN_SESSION_SECONDS = _int("SIGN_IN_SESSION_SECONDS", 12 * 3600)
    PERMANENT_SESSION_LIFETIME = SIGN_IN_SESSION_SECONDS
    SESSION_COOKIE_NAME = "ymt_signin"
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True

    # The Telegram bot's username, for deep links that carry an account-link code.
    TELEGRAM_BOT_USERNAME = _env("TELEGRAM_BOT_USERNAME")
    # The bot process (`python -m bots.telegram`): polling by default, a webhook when its URL is set.
    TELEGRAM_WEBHOOK_URL = _env("TELEGRAM_WEBHOOK_URL")
    TELEGRAM_WEBHOOK_SECRET = _env("TELEGRAM_WEBHOOK_SECRET")
    TELEGRAM_WEBHOOK_LISTEN = _env("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1")
    TELEGRAM_WEBHOOK_PORT = _int("TELEGRAM_WEBHOOK_PORT", 8443)

    # Reverse proxy hops to trust for scheme and client address (0 = none).
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)

    # SMS: the sandbox provider records messages (`flask sms log`); numbers listed here fail.
    SMS_PROVIDER = _env("SMS_PROVIDER", "sandbox")
    SMS_SANDBOX_FAILING = _env("SMS_SANDBOX_FAILING", "")

    # Idempotency keys of requests that move money: kept at least this long (never under 24 h);
    # a request still marked in flight after IDEMPOTENCY_LOCK_SECONDS is presumed dead and may be retried.
    IDEMPOTENCY_KEY_TTL_HOURS = _int("IDEMPOTENCY_KEY_TTL_HOURS", 48)
    IDEMPOTENCY_LOCK_SECONDS = _int("IDEMPOTENCY_LOCK_SECONDS", 60)

    # Payments: the provider that charges residents (only the sandbox exists until a contract is signed).
    PAYMENTS_PROVIDER = _env("PAYMENTS_PROVIDER", "sandbox")
    # Provider callbacks older or newer than this are refused (replay protection).
    PAYMENTS_CALLBACK_TOLERANCE_SECONDS = _int("PAYMENTS_CALLBACK_TOLERANCE_SECONDS", 300)
    # Intents pending this long are asked of the provider; pending past the expiry they are closed.
    PAYMENTS_RECONCILE_AFTER_SECONDS = _int("PAYMENTS_RECONCILE_AFTER_SECONDS", 300)
    PAYMENTS_INTENT_EXPIRY_SECONDS = _int("PAYMENTS_INTENT_EXPIRY_SECONDS", 1800)
    # The sandbox provider: its callback signing secret (derived from SECRET_KEY when unset), how long
    # after an intent is created the simulated payer pays, and where it posts callbacks (empty: into
    # this application in-process, through the same HTTP handler a real provider reaches).
    PAYMENTS_SANDBOX_SECRET = _env("PAYMENTS_SANDBOX_SECRET")
    PAYMENTS_SANDBOX_PAY_DELAY_SECONDS = _int("PAYMENTS_SANDBOX_PAY_DELAY_SECONDS", 0)
    PAYMENTS_SANDBOX_TICK_SECONDS = _int("PAYMENTS_SANDBOX_TICK_SECONDS", 5)
    PAYMENTS_SANDBOX_CALLBACK_URL = _env("PAYMENTS_SANDBOX_CALLBACK_URL")
    # Background jobs (RQ on REDIS_URL). JOBS_INLINE unset: inline exactly when there is no REDIS_URL.
    JOBS_INLINE = _flag("JOBS_INLINE")
    JOBS_DEFAULT_TIMEOUT = _int("JOBS_DEFAULT_TIMEOUT", 180)
    JOBS_RESULT_TTL = _int("JOBS_RESULT_TTL", 3600)
    JOBS_FAILURE_TTL = _int("JOBS_FAILURE_TTL", 7 * 24 * 3600)
    JOBS_MAINTENANCE_SECONDS = _int("JOBS_MAINTENANCE_SECONDS", 60)
    JOBS_REDIS_RETRY_SECONDS = _int(
        "JOBS_REDIS_RETRY_SECONDS", 5
    )  # after a failure, don't try Redis for this long
    # Without Redis: how long a tick holds a deferred job it runs; longer than any job takes.
    JOBS_DEFERRED_LEASE_SECONDS = _int("JOBS_DEFERRED_LEASE_SECONDS", 600)
    JOBS_ALLOWED_MODULES = ("app.",)  # a job names a function; only these modules' functions run

    # Notifications: the outbox relay, retries and quiet hours.
    NOTIFY_SWEEP_SECONDS = _int("NOTIFY_SWEEP_SECONDS", 30)
    NOTIFY_SWEEP_GRACE_SECONDS = _int("NOTIFY_SWEEP_GRACE_SECONDS", 20)
    NOTIFY_JOB_TIMEOUT = _int("NOTIFY_JOB_TIMEOUT", 60)
    NOTIFY_LEASE_SECONDS = _int("NOTIFY_LEASE_SECONDS", 120)  # longer than NOTIFY_JOB_TIMEOUT
    NOTIFY_MAX_ATTEMPTS = _int("NOTIFY_MAX_ATTEMPTS", 5)
    NOTIFY_RETRY_BACKOFF = _ints("NOTIFY_RETRY_BACKOFF", "30,120,600,1800")
    NOTIFY_QUIET_HOURS = (_env("NOTIFY_QUIET_START", "22:00"), _env("NOTIFY_QUIET_END", "07:00"))

    # Telegram: without a bot token the Telegram channel is skipped (and says so).
    TELEGRAM_BOT_TOKEN = _env("TELEGRAM_BOT_TOKEN")
    TELEGRAM_API_BASE_URL = _env("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot")

    # Signed webhooks to institutional clients.
    WEBHOOK_TIMEOUT_SECONDS = _int("WEBHOOK_TIMEOUT_SECONDS", 10)
    WEBHOOK_REQUIRE_HTTPS = False
    # Webhooks never reach loopback, link-local (cloud metadata) or private addresses (SSRF); only a
    # test harness whose receiver listens on the loopback turns this on.
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES = _flag("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)

    # Bills: a biller answers a dispute within this many working days (Asia/Shanghai calendar);
    # residents are reminded this many days before a bill is due.
    BILLS_DISPUTE_ANSWER_WORKING_DAYS = _int("BILLS_DISPUTE_ANSWER_WORKING_DAYS", 3)
    BILLS_REMINDER_DAYS = _int("BILLS_REMINDER_DAYS", 3)
    # How often the bills sweep (autopay, reminders, dispute deadlines) runs.
    BILLS_SWEEP_SECONDS = _int("BILLS_SWEEP_SECONDS", 300)
    # Parking: who confirms plate holders, how often the sweep runs, how long after the exit an unpaid
    # stay is reminded, and how many working days an operator has to answer a dispute.
    PARKING_PLATE_REGISTRY = _env("PARKING_PLATE_REGISTRY", "sandbox")
    PARKING_SWEEP_SECONDS = _int("PARKING_SWEEP_SECONDS", 600)
    PARKING_DEBT_REMINDER_HOURS = _int("PARKING_DEBT_REMINDER_HOURS", 24)
    PARKING_DISPUTE_ANSWER_WORKING_DAYS = _int("PARKING_DISPUTE_ANSWER_WORKING_DAYS", 3)

    # Community commerce: how often paid orders not accepted in time are declined and refunded.
    COMMERCE_SWEEP_SECONDS = _int("COMMERCE_SWEEP_SECONDS", 60)
    # A care visit of an order begun and not verified this long after the elder confirmed lapses.
    COMMERCE_VISIT_LAPSE_HOURS = _int("COMMERCE_VISIT_LAPSE_HOURS", 12)

    # Social insurance and housing fund: who is asked for a person's latest records (sandbox or webhook,
    # to these clients); alerts only for what happened within the window; a withdrawal from the housing
    # fund of at least this many fen alerts; a month's contributions are due by this day of the next
    # month (the sweep's reference); certificates are valid this many days; the PDF's CJK font.
    SOCIAL_SECURITY_PROVIDER = _env("SOCIAL_SECURITY_PROVIDER", "sandbox")
    SOCIAL_SECURITY_SOCIAL_SECURITY_CLIENT = _env(
        "SOCIAL_SECURITY_SOCIAL_SECURITY_CLIENT", "demo-social-security"
    )
    SOCIAL_SECURITY_HOUSING_FUND_CLIENT = _env("SOCIAL_SECURITY_HOUSING_FUND_CLIENT", "demo-housing-fund")
    SOCIAL_SECURITY_ALERT_WINDOW_DAYS = _int("SOCIAL_SECURITY_ALERT_WINDOW_DAYS", 90)
    SOCIAL_SECURITY_LARGE_WITHDRAWAL_FEN = _int("SOCIAL_SECURITY_LARGE_WITHDRAWAL_FEN", 1_000_000)
    SOCIAL_SECURITY_CONTRIBUTION_GRACE_DAY = _int("SOCIAL_SECURITY_CONTRIBUTION_GRACE_DAY", 20)
    SOCIAL_SECURITY_CERTIFICATE_VALID_DAYS = _int("SOCIAL_SECURITY_CERTIFICATE_VALID_DAYS", 90)
    SOCIAL_SECURITY_CJK_FONT = _env("SOCIAL_SECURITY_CJK_FONT")
    SOCIAL_SECURITY_SWEEP_SECONDS = _int("SOCIAL_SECURITY_SWEEP_SECONDS", 6 * 3600)

    # Appointments: whose system hears of bookings (sandbox or webhook); how often the sweep (expired
    # waitlist offers, no-shows) runs; minutes after a slot ends before a booking counts as missed.
    APPOINTMENTS_PROVIDER = _env("APPOINTMENTS_PROVIDER", "sandbox")
    APPOINTMENTS_SWEEP_SECONDS = _int("APPOINTMENTS_SWEEP_SECONDS", 60)
    APPOINTMENTS_NOSHOW_GRACE_MINUTES = _int("APPOINTMENTS_NOSHOW_GRACE_MINUTES", 30)
    # A check-in the desk never marked done is fulfilled by the sweep this long after its slot.
    APPOINTMENTS_ARRIVED_CLOSE_HOURS = _int("APPOINTMENTS_ARRIVED_CLOSE_HOURS", 12)
    # Elder care: an unanswered alert calls the next rung of its ladder every this many minutes; a
    # missed daily check-in is reminded at the set time and becomes an alert this many minutes later;
    # the check-in sweep runs this often; profiles are for residents of at least this age.
    ELDERCARE_STEP_MINUTES = _int("ELDERCARE_STEP_MINUTES", 5)
    ELDERCARE_CHECKIN_GRACE_MINUTES = _int("ELDERCARE_CHECKIN_GRACE_MINUTES", 60)
    ELDERCARE_SWEEP_SECONDS = _int("ELDERCARE_SWEEP_SECONDS", 300)
    # A provider's visit begun and not ended (the elder's code scanned on leaving) within this many
    # hours lapses: it is not verified and never paid.
    ELDERCARE_VISIT_LAPSE_HOURS = _int("ELDERCARE_VISIT_LAPSE_HOURS", 12)
    ELDERCARE_MIN_AGE = _int("ELDERCARE_MIN_AGE", 60)
    # Observability: JSON log lines (production's default) or the usual text; this node's name in logs
    # (the host name when unset); a bearer token Prometheus must send to /metrics (unset: open outside
    # production; production without it serves no /metrics).
    LOG_FORMAT = _env("LOG_FORMAT", "text")
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    NODE_NAME = _env("NODE_NAME")
    METRICS_TOKEN = _env("METRICS_TOKEN")
    # While this file exists /readyz answers 503: the load balancer stops sending new requests here.
    DRAIN_FILE = _env("DRAIN_FILE")

    # Demo data and sandbox providers are allowed outside production.
    SANDBOX_PROVIDERS = True


class DevelopmentConfig(BaseConfig):
    """Local development on the embedded default: SQLite in instance/, jobs inline."""

    ENV_NAME = "development"
    DEBUG = False
    # A SQLite database behind the migrations is brought up to date when the app starts.
    AUTO_MIGRATE = _flag("AUTO_MIGRATE", True)


class TestConfig(BaseConfig):
    """The test suite: DATABASE_URL and REDIS_URL choose PostgreSQL and Redis."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - the test suite only
    # A fixed issuer, as production has; tests of the served-URL issuer unset it.
    OIDC_ISSUER = "http://127.0.0.1:5000"
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", "sqlite:///" + str(BASE_DIR / "instance" / "test.db"))
    RATELIMIT_STORAGE_URI = "memory://"
    DATABASE_REPLICA_URLS = None  # tests/deploy/test_read_replicas.py starts a replica of its own
    # Tests run jobs inline unless a test starts real workers (those tests say so).
    JOBS_INLINE = _flag("JOBS_INLINE", True)
    # Likewise the scan log is written with each verification unless a test turns the buffer on.
    CITYCODE_SCAN_BUFFER = _flag("CITYCODE_SCAN_BUFFER", False)
    JOBS_ALLOWED_MODULES = ("app.", "tests.")


class ProductionConfig(BaseConfig):
    """Production: every secret must come from the environment."""

    ENV_NAME = "production"
    SANDBOX_PROVIDERS = False
    LOG_FORMAT = _env("LOG_FORMAT", "json")
    SOCIAL_SECURITY_PROVIDER = _env("SOCIAL_SECURITY_PROVIDER", "webhook")
    APPOINTMENTS_PROVIDER = _env("APPOINTMENTS_PROVIDER", "webhook")
    SESSION_COOKIE_SECURE = True
    WEBHOOK_REQUIRE_HTTPS = True

    @classmethod
    def check(cls) -> None:
        """Refuse to start without real secrets."""
        missing = [
            name
            for name in ("SECRET_KEY", "DATABASE_URL", "PII_ENCRYPTION_KEY", "PII_HASH_KEY", "OIDC_ISSUER")
            if not _env(name)
        ]
        if missing:
            raise RuntimeError("production needs these environment variables: " + ", ".join(missing))


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[BaseConfig]:
    """Return the settings class named by the argument or YIMATONG_ENV."""
    key = name or _env("YIMATONG_ENV", "development")
    if key not in CONFIGS:
        raise RuntimeError(f"unknown YIMATONG_ENV {key!r}; choose one of {', '.join(CONFIGS)}")
    return CONFIGS[key]
