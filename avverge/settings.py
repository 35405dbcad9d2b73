"""Avverge settings: one module, read from the environment, loud on mistakes.

Every setting that differs between machines comes from an environment variable, through the
small helpers below, which stop start-up with one message naming the variable when its value
is wrong. SQLite is the default so a fresh clone runs at once; DATABASE_URL switches to
PostgreSQL.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv
from whitenoise.compress import Compressor  # type: ignore[import-untyped]

BASE_DIR = Path(__file__).resolve().parent.parent

# A developer's checkout has a git-ignored .env (written by `make`) with DEBUG=true, so
# manage.py commands work without exporting anything. Variables already in the environment
# win; the container has no .env, so production stays strict.
load_dotenv(BASE_DIR / ".env", override=False)


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate(name, default):
    """A rate like "60/m" (per s, m, h or d); empty means no limit."""
    raw = os.environ.get(name, default).strip()
    if raw and not re.fullmatch(r"[1-9][0-9]*/(s|m|h|d)", raw):
        raise ImproperlyConfigured(
            f"{name} must be a number of requests per s, m, h or d, like 60/m, not {raw!r}"
        )
    return raw


def env_database(name, default):
    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except Exception as e:  # dj-database-url raises several types for a malformed URL
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {e}") from None
    if config.get("ENGINE") not in (
        "django.db.backends.sqlite3",
        "django.db.backends.postgresql",
    ):
        raise ImproperlyConfigured(f"{name} must point to SQLite or PostgreSQL, not {raw!r}")
    return config


DEBUG = env_bool("DEBUG", False)

# A development key only when DEBUG is on; in production a missing key must stop start-up
# rather than sign tokens with a secret everybody knows.
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "import_export",
    "guidance.apps.AxesConfig",  # django-axes, with a bokmål heading
    "ninja",
    "corsheaders",
    "guidance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # gzip for HTML where no secret sits next to a guess (BREACH): see the module.
    "avverge.compression.compress_html",
    "guidance.views.permissions_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, as django-cors-headers asks, so its headers reach every answer.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "avverge.language.NorwegianLocaleMiddleware",
    "guidance.admin_views.admin_in_bokmal",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the header built once per policy (no page uses a nonce).
    "avverge.contentpolicy.CSPMiddleware",
    # Records which user made a change the admin saves outside ModelAdmin.save_model
    # (inline rows, imports, bulk actions).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "avverge.urls"

TEMPLATES = [
    # The public pages (guide, trainer, error pages): Jinja2, for speed (guidance/jinja.py).
    {
        "NAME": "jinja2",
        "BACKEND": "guidance.jinja.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "guidance.jinja.environment"},
    },
    # The admin's pages, and the packages' own (Django's engine).
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "avverge.wsgi.application"

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}

# --- Database faults (security review D3, D4) ---------------------------------------------
# A database that is down or hanging must cost a page a few seconds, not a worker for ever:
# connect within DB_CONNECT_TIMEOUT, let the server cancel a statement after
# DB_STATEMENT_TIMEOUT, and (avverge/postgresql) give up on a server that does not answer at
# all one second after that. A reused connection is checked first (CONN_HEALTH_CHECKS), so a
# restart of the database costs no request. SQLite is left as it is.
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 2)  # seconds; libpq's minimum is 2
DB_STATEMENT_TIMEOUT = env_int("DB_STATEMENT_TIMEOUT", 5)  # seconds; 0 turns it off
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "avverge.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": DB_CONNECT_TIMEOUT,
        "options": f"-c statement_timeout={DB_STATEMENT_TIMEOUT * 1000}",
        **DATABASES["default"].get("OPTIONS", {}),
    }
    # Read by avverge/postgresql: how long to wait for any answer before giving up on the server.
    DATABASES["default"]["ANSWER_TIMEOUT"] = (
        DB_STATEMENT_TIMEOUT + 1 if DB_STATEMENT_TIMEOUT else None
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first, so a locked-out user is refused before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nb"
# Each language named in itself, as the switcher shows it (templates/base.html).
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
# locale/: Avverge's own strings (makemessages writes it). locale-vendor/: bokmål for the
# packages' strings that their own catalogues lack, kept apart so makemessages leaves them be.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-vendor"]
# English dates in English form ("2 Dec 2026, 22:22"), bokmål ones as before.
FORMAT_MODULE_PATH = ["avverge.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# collectstatic writes a gzip and a Brotli copy of each static file (the Brotli package is a
# dependency), except of source maps: only devtools fetch them, and the API docs' maps alone
# made collectstatic take a minute.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Messages travel in a cookie, so the guide never writes a session row.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
CSRF_FAILURE_VIEW = "guidance.views.csrf_failure"

# The admin lives at a path chosen per installation, so it is not where scanners look first.
ADMIN_URL = env_str("ADMIN_URL", "admin/").strip("/") + "/"

# A strict Content Security Policy: our pages load scripts, styles, images and fonts only
# from our own host and have no inline scripts or styles. Bootstrap draws its form icons as
# data: SVGs. Django's admin and its add-ons are left out: they use inline scripts.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": [f"/{ADMIN_URL}"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# How often (seconds) each process asks the database whether the content has changed. An
# editor's save shows at once on the server that made it, on the others within this time.
CONTENT_CHECK_SECONDS = env_int("CONTENT_CHECK_SECONDS", 5)

# Home and the trainer's pages, rendered once per content version and language and kept in
# each process's memory up to this many bytes (guidance/pagecache.py). Never a walk's pages.
PAGE_CACHE_BYTES = env_int("PAGE_CACHE_BYTES", 32 * 1024 * 1024)
# Parts of pages that depend only on the content and the language ({% contentcache %}).
FRAGMENT_CACHE_BYTES = env_int("FRAGMENT_CACHE_BYTES", 16 * 1024 * 1024)

# A walk's answers live in an encrypted token for this long (seconds): one consultation.
WALK_MAX_AGE = env_int("WALK_MAX_AGE", 2 * 60 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The client's address behind TRUSTED_PROXIES reverse proxies that append to X-Forwarded-For
# (avverge/clientip.py). 0: the app is reached directly and REMOTE_ADDR is the client.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
# --- Production headers and start-up checks (security review D16, D17) --------------------
# `manage.py check --deploy` is clean with DEBUG off. The proxy in front terminates TLS and
# says so in X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER above); SECURE_SSL_REDIRECT=false
# leaves the redirect to http:// to the proxy. /healthz is exempt so the container's own
# HEALTHCHECK, which speaks plain HTTP to 127.0.0.1, is not redirected.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
if not DEBUG:
    LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading is a promise to the browsers' list, made by the site's owner, not a default.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # Django only warns about these in `check --deploy`; a server started with them answers
    # 400 to every request or signs tokens with a guessable key, so refuse to start.
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's host when DEBUG is off")
    if (
        len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith("django-insecure-")
    ):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak: use at least 50 random characters when DEBUG is off"
        )

# Admin login lockout (django-axes): a user name is locked, from the address the guesses come
# from, after AXES_FAILURE_LIMIT failures. The pair rather than the address alone, so one
# editor's typing at a hospital's shared address does not lock out the others; and a stranger
# who knows an editor's user name locks only their own address. The cool-off is not restarted
# by guesses during a lockout, so it always ends. `manage.py axes_reset` lifts it sooner.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "avverge.clientip.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# Against password spraying (a few guesses at many user names, under the lockout's limit):
# at most this many login attempts per address, whatever the user names (django-ratelimit).
LOGIN_RATE = env_str("LOGIN_RATE", "30/h")
RATELIMIT_USE_CACHE = "shared"

# The default cache is per process (the content snapshot lives in memory anyway). "shared" is
# a table in the database, for what every app server must see: the login limit per address and
# the contact import waiting for its confirmation (security review, several app servers).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "avverge_shared_cache",
    },
}

# Importing contacts needs the right to change them and exporting the right to see them; the
# library's default lets any staff user do both.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# The uploaded file waits for its confirmation in the shared cache, not on one server's disk.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "guidance.admin_resources.SharedCacheStorage"
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

# The JSON API (guidance/api.py). Requests per client address and period ("60/m", "1000/h";
# empty: no limit), counted in Django's cache: per process with the default in-memory cache.
# Behind N proxies that append to X-Forwarded-For, API_PROXIES=N makes the client the address
# the last proxy saw; with 0 it is REMOTE_ADDR, which a client cannot forge.
API_RATE_LIMIT = env_rate("API_RATE_LIMIT", "60/m")
NINJA_NUM_PROXIES = env_int("API_PROXIES", 0)
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 64 * 1024)
# Cross-origin calls (a record system's web client, an intranet page) only from the origins
# listed, only to the API, and only GET and POST with a JSON body. None by default.
CORS_ALLOWED_ORIGINS = env_list("API_CORS_ORIGINS")
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_METHODS = ["GET", "POST", "OPTIONS"]
CORS_ALLOW_HEADERS = ["content-type"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line, not a traceback, for a bad request or a database that is away (guidance/logs.py).
    "filters": {"one_line": {"()": "guidance.logs.OneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes announces itself at every start, which would add a line to the output of
    # every management command; its lockout warnings still come through.
    "loggers": {"axes.apps": {"level": "WARNING"}},
}
