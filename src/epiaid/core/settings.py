"""Django settings for epiaid.

Everything that differs between a laptop demo and a production deployment comes from the
environment, so that no secret or host name is ever written into the code:

- ``EPIAID_DATABASE_URL``: any dj-database-url URL; default is a SQLite file in ``EPIAID_DATA_DIR``.
- ``EPIAID_DEBUG``: off unless set; ``make run`` turns it on for the local demo and says so.
- ``EPIAID_SECRET_KEY``: required when ``EPIAID_DEBUG`` is off (start-up stops naming it); in the demo
  a random key is generated once and kept in ``EPIAID_DATA_DIR/secret_key`` (never in the repository).
  Capabilities' own secrets (``EPIAID_MASKS_HMAC_KEY`` …) follow the same rule (``epiaid.core.secrets``).
- ``EPIAID_TRUSTED_PROXIES``: addresses (or CIDR ranges) of the reverse proxies whose
  ``X-Forwarded-For`` names the client, for the audit log and the login lock-out.
- ``EPIAID_ALLOWED_HOSTS``: comma separated.
- ``EPIAID_TILE_URL``: the map tile template; empty means "no tile server" (the map still works).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext

from epiaid.core.capabilities import CAPABILITY_APPS

# Lets admin.ModelAdmin[Model] and QuerySet[Model] be subscripted at run time (typed code).
django_stubs_ext.monkeypatch()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("EPIAID_DATA_DIR", Path.cwd() / "var")).resolve()
SHARED_DATA_DIR = Path(os.environ.get("EPIAID_SHARED_DATA", Path.cwd().parent / "shared" / "data")).resolve()

DEBUG = _env_bool("EPIAID_DEBUG", False)
#: The deployment's demo switch as set; Django's DEBUG may be turned off by the test runner.
EPIAID_DEBUG = DEBUG


def _secret_key() -> str:
    key = os.environ.get("EPIAID_SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("EPIAID_SECRET_KEY must be set when EPIAID_DEBUG is off")
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("EPIAID_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("EPIAID_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "epiaid.core.adminsite.EpiaidAdminConfig",  # django.contrib.admin with our site (superusers, read-only)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "epiaid.core",
    *CAPABILITY_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "epiaid.core.middleware.UploadSizeLimitMiddleware",
    "epiaid.core.middleware.EpiaidErrorPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "epiaid.core.urls"
ASGI_APPLICATION = "epiaid.core.asgi.application"
WSGI_APPLICATION = "epiaid.core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "epiaid.core.context.platform",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("EPIAID_DATABASE_URL", f"sqlite:///{DATA_DIR / 'epiaid.sqlite3'}"),
        conn_max_age=int(os.environ.get("EPIAID_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets pages read while an import or a job writes; IMMEDIATE transactions take the write lock at
    # BEGIN, so a writer waits its turn (up to ``timeout`` seconds) instead of failing when a read
    # transaction tries to upgrade; synchronous=NORMAL is safe in WAL mode (no corruption on power loss).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests run on a database file too (one per xdist worker: pytest-django appends ``_gw0`` and so on),
    # never on Django's default in-memory shared-cache database: there live-server threads, job threads
    # and the test thread take table locks that fail at once ("database table is locked") and behave
    # unlike any deployment. Each test run recreates its file.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("EPIAID_TEST_DATABASE", str(DATA_DIR / "test-db" / "epiaid-test.sqlite3"))
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "landing"

# Login throttling: five failures lock the username+IP pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("EPIAID_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client behind a trusted proxy: a flood from one address cannot lock a named approver out for
# everyone (the lock is per username *and* address, and the address is the real client's).
AXES_CLIENT_IP_CALLABLE = "epiaid.core.audit.client_ip_for_axes"
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("EPIAID_TRUSTED_PROXIES", "").split(",") if p.strip()]
AXES_VERBOSE = False

# Session and cookie security.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("EPIAID_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

TILE_URL = os.environ.get("EPIAID_TILE_URL", "")
_tile_origin = "/".join(TILE_URL.split("/")[:3]) if TILE_URL.startswith("http") else ""

# Content Security Policy: no inline script, nothing from other origins except the configured tile server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *([_tile_origin] if _tile_origin else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Uploads: anything larger is refused with a 413 before it reaches a view.
# Per-client requests a minute on public routes and the login form, and requests in flight per route
# class before more are shed with 503 (epiaid.core.admission); staff routes are never rate limited.
RATE_PUBLIC_PER_MINUTE = int(os.environ.get("EPIAID_RATE_PUBLIC_PER_MINUTE", "600"))
RATE_LOGIN_PER_MINUTE = int(os.environ.get("EPIAID_RATE_LOGIN_PER_MINUTE", "30"))
SHED_PUBLIC_IN_FLIGHT = int(os.environ.get("EPIAID_SHED_PUBLIC_IN_FLIGHT", "256"))
SHED_LOGIN_IN_FLIGHT = int(os.environ.get("EPIAID_SHED_LOGIN_IN_FLIGHT", "16"))
SHED_STAFF_IN_FLIGHT = int(os.environ.get("EPIAID_SHED_STAFF_IN_FLIGHT", "256"))
MAX_UPLOAD_BYTES = int(os.environ.get("EPIAID_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("EPIAID_LOG_LEVEL", "WARNING")},
}

# Background work (core/jobs): Django's task framework on the database; `epiaid worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "science"]}}
JOBS_HEARTBEAT_S = float(os.environ.get("EPIAID_JOBS_HEARTBEAT_S", "5"))
# A running job whose worker has sent no heartbeat for this long is queued again (the worker died).
JOBS_VISIBILITY_TIMEOUT_S = float(os.environ.get("EPIAID_JOBS_VISIBILITY_TIMEOUT_S", "60"))
# Jobs one person may have waiting or running at once; the next submission is refused.
JOBS_PER_USER_CAP = int(os.environ.get("EPIAID_JOBS_PER_USER_CAP", "20"))
SCHEDULE_TZ = os.environ.get("EPIAID_SCHEDULE_TZ", "Asia/Seoul")

# The public disclosure window for the situation map (KDCA 2020 guideline: 14 days after the visit).
DISCLOSURE_WINDOW_DAYS = int(os.environ.get("EPIAID_DISCLOSURE_WINDOW_DAYS", "14"))
