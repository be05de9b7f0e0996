"""Django settings for Indsats. Values that vary by machine come from `indsats.config.env`."""

from __future__ import annotations

from csp.constants import NONCE, SELF
from django.utils.translation import gettext_lazy as _

from indsats.config.env import (
    _DEVELOPMENT_PSEUDONYM_KEY,
    _DEVELOPMENT_SECRET,
    BASE_DIR,
    DEBUG,
    TESTING,
    env,
    required_secret,
)

SECRET_KEY = required_secret("SECRET_KEY", _DEVELOPMENT_SECRET)
# The key of the keyed hash (HMAC-SHA256) that stands in for a CPR number. Changing it makes every
# existing participant unrecognisable: it belongs with the database backups, not in the repository.
PSEUDONYM_KEY = required_secret("PSEUDONYM_KEY", _DEVELOPMENT_PSEUDONYM_KEY)

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG or TESTING else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # /api/docs from our own static files (the CDN template is blocked by our CSP)
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "indsats.accounts",
    "indsats.audit",
    "indsats.ui",
    "indsats.dashboard",
    "indsats.history",
    "indsats.operations",
    "indsats.interventions",
    "indsats.grants",
    "indsats.outcomes",
    "indsats.evaluation",
    "indsats.economy",
    "indsats.catalogue",
    "indsats.governance",
]

MIDDLEWARE = [
    # /healthz and /readyz are answered first: no host check, redirect, session or log-in
    "indsats.operations.middleware.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "indsats.dashboard.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "indsats.dashboard.middleware.DanishFirstLocaleMiddleware",
    "indsats.dashboard.request_checks.RefuseNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "indsats.accounts.sessions.IdleSessionTimeoutMiddleware",
    "indsats.accounts.two_factor.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "indsats.dashboard.middleware.OwnNotFoundPageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "indsats.audit.middleware.AuditContextMiddleware",
    "indsats.operations.middleware.RequestLogMiddleware",
    # axes must be last: it turns repeated failed log-ins into a lock-out response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "indsats.config.urls"
WSGI_APPLICATION = "indsats.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "src" / "indsats" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Selects written in Python, the rest by Django's form templates (ui/form_renderer.py: a drop-down of a
# thousand interventions took a second through the templates)
FORM_RENDERER = "indsats.ui.form_renderer.FormRenderer"

# The embedded default is a SQLite file in var/; production and CI set DATABASE_URL to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'indsats.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # PostgreSQL's JIT compiles the plan of every large query anew: 0.7-1 s on the insight page's live
        # aggregate over a million measurements, more than it saves on pages that read a few hundred rows.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# The pages' compiled queries (db/compiled_queries.py) run as prepared statements on PostgreSQL, planned once
# per connection. Behind a connection pooler in transaction mode that does not keep prepared statements
# (PgBouncer before 1.21, or without max_prepared_statements), set it to false.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing is deliberately slow; the test suite creates many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Log-in throttling (django-axes): five failures for one user name from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
# Password spraying (many user names, one address): an address that has failed on this many different
# user names within the cool-off time is locked as a whole (accounts/throttling.py).
AXES_LOCKOUT_PARAMETERS = "indsats.accounts.throttling.lockout_parameters"
AXES_IP_USERNAME_LIMIT = env.int("AXES_IP_USERNAME_LIMIT", default=10)

# Sessions end after SESSION_COOKIE_AGE (absolute, below) or after this many seconds unused (idle).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30) * 60
# Granting roles, awarding and paying money ask for the password again when it is older than this.
REAUTHENTICATION_MAX_AGE = env.int("REAUTHENTICATION_MINUTES", default=10) * 60
# A password-reset link works once and expires after this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_MINUTES", default=60) * 60
# Roles that must log in with a TOTP code as well as the password (accounts/two_factor.py).
TWO_FACTOR_ROLES = env.list("TWO_FACTOR_ROLES", default=["agency_admin"])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Indsats")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Internationalisation: Danish first, English available.
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "indsats" / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("dkfds", BASE_DIR / "node_modules" / "dkfds" / "dist"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# Uploaded files (grant attachments and reports, intervention materials): a local folder by default – on
# several web machines a shared one – or any S3-compatible store with django-storages ("s3", installed
# with `pip install django-storages[s3]`; bucket, endpoint and keys from the AWS_* variables it reads).
# Import files and report PDFs are kept in the database and need neither.
_FILE_STORAGE = env.str("FILE_STORAGE", default="local")
_DEFAULT_STORAGE: dict[str, object] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default="indsats"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if _FILE_STORAGE == "s3"
    else {"BACKEND": env.str("FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")}
)
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Security: safe by default; a developer's `make run` turns the HTTPS-only parts off through DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page of Indsats uses, turned off for every page (and anything it might embed).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), display-capture=(), midi=(), serial=(), hid=()"
)
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_ENGINE = "django.contrib.sessions.backends.db"
_HTTPS = env.bool("HTTPS", default=not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
LANGUAGE_COOKIE_SECURE = _HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = False
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)

# Content Security Policy: only our own scripts (no inline script, no eval); inline style *attributes*
# are allowed because server-rendered SVG charts carry them, but not <style> elements from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": ["'none'"],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}

# Background work: Django's Tasks API (backport), stored in the database so any machine can work the queue.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Leases on running tasks (operations/leases.py): a worker renews its task's lease every quarter of this;
# a task whose lease ran out goes back to the queue, at most TASK_MAX_ATTEMPTS runs in all.
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=60)
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=2)
# /readyz fails when the oldest task waiting to run has waited longer than this (no worker is taking them).
READY_QUEUE_MAX_AGE_SECONDS = env.int("READY_QUEUE_MAX_AGE_SECONDS", default=600)
# Imports validated but never saved (or interrupted, or failed) are deleted, with their stored rows,
# this many days after they were made (the scheduled job purge-abandoned-imports).
ABANDONED_IMPORT_DAYS = env.int("ABANDONED_IMPORT_DAYS", default=7)

# /metrics answers only a scraper sending "Authorization: Bearer <METRICS_TOKEN>"; unset, it is not there.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Indsats <noreply@indsats.example>")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

# One JSON object a line in production (request id, user id, view or task); plain text for a developer.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG or TESTING else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "indsats.config.log_format.JsonFormatter"},
    },
    "filters": {"mask_cpr": {"()": "indsats.config.log_filters.MaskCprFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["mask_cpr"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own loggers are routed here too, so that no handler of Django's default configuration
    # (the development server's access log among them) writes a line without the CPR mask.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "indsats.requests": {"level": env.str("REQUEST_LOG_LEVEL", default="INFO")},
    },
}

# Outcome data older than this many days after an intervention's end is deleted by
# `indsats purge-expired-outcomes`, unless the intervention sets its own retention period.
DEFAULT_RETENTION_DAYS = env.int("DEFAULT_RETENTION_DAYS", default=5 * 365)

# Uploads and imports (outcomes/tabular.py): the largest file accepted, the rows under the header, the
# columns and the cells of a table (the cells bound the memory of one import: about 80 MB a million), and
# how far an .xlsx member may unpack (bytes, and times its packed size). docs/operations.md.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
TABLE_MAX_ROWS = env.int("TABLE_MAX_ROWS", default=100_000)
TABLE_MAX_COLUMNS = env.int("TABLE_MAX_COLUMNS", default=200)
TABLE_MAX_CELLS = env.int("TABLE_MAX_CELLS", default=3_000_000)
XLSX_MAX_UNCOMPRESSED_BYTES = env.int("XLSX_MAX_UNCOMPRESSED_BYTES", default=300 * 1024 * 1024)
XLSX_MAX_COMPRESSION_RATIO = env.int("XLSX_MAX_COMPRESSION_RATIO", default=200)
# `indsats import-outcomes` (an operator on the command line, not a web upload) reads larger files: these
# replace the three limits above for the command only; --max-rows/--max-cells/--max-bytes override them.
CLI_IMPORT_MAX_BYTES = env.int("CLI_IMPORT_MAX_BYTES", default=1024 * 1024 * 1024)
CLI_IMPORT_MAX_ROWS = env.int("CLI_IMPORT_MAX_ROWS", default=2_000_000)
CLI_IMPORT_MAX_CELLS = env.int("CLI_IMPORT_MAX_CELLS", default=60_000_000)

# Statistical disclosure control of aggregates about children that leave their municipality
# (engine/disclosure.py): no cell under this many children, comparison groups of at least this many
# municipalities.
DISCLOSURE_MIN_CHILDREN = env.int("DISCLOSURE_MIN_CHILDREN", default=5)
DISCLOSURE_MIN_MUNICIPALITIES = env.int("DISCLOSURE_MIN_MUNICIPALITIES", default=3)

# Four eyes on grant money (grants/access.py): an instalment or a repayment above this many kroner needs
# a second approver besides the first (never the person who prepared it).
GRANTS_SECOND_APPROVAL_ABOVE = env.int("GRANTS_SECOND_APPROVAL_ABOVE", default=500_000)
# The steering group's quorum: members present (not standing aside) an item needs. 0 means a majority of
# the steering group's members on the day the meeting is planned; the number is stored on the meeting.
STEERING_GROUP_QUORUM = env.int("STEERING_GROUP_QUORUM", default=0)
# When true, a gate review is decided only at a steering-group meeting (quorum, votes, recusals): the
# review page and the API no longer let one member decide alone.
GATE_DECISIONS_AT_MEETINGS = env.bool("GATE_DECISIONS_AT_MEETINGS", default=False)
# Days before a condition's deadline (and before a follow-up's due date) that a reminder goes out, and
# the days between two reminders of the same thing.
GOVERNANCE_REMINDER_DAYS = env.int("GOVERNANCE_REMINDER_DAYS", default=14)
GOVERNANCE_REMINDER_INTERVAL_DAYS = env.int("GOVERNANCE_REMINDER_INTERVAL_DAYS", default=7)
