"""Settings for the London Integration Projects Portal, read from the environment.

Every variable is listed, with its default, in `.env.example` and the README. Defaults are safe
for production: debug is off, cookies are secure and HTTPS is enforced. A local `.env` file (or
the file named by DJANGO_ENV_FILE) is read first when it exists.
"""

import base64
import datetime
import hashlib
import sys
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = Path(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))
if env_file.is_file():
    env.read_env(env_file)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# Schema commands sign nothing, so they run without the key: it stays empty, and Django
# refuses anything that would sign with it.
SCHEMA_COMMANDS = {"makemigrations", "migrate", "showmigrations", "sqlmigrate"}
running_schema_command = len(sys.argv) > 1 and sys.argv[1] in SCHEMA_COMMANDS

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY and not running_schema_command:
    if not DEBUG:
        sys.exit(
            "DJANGO_SECRET_KEY is not set: set it to a long random string "
            "(or set DJANGO_DEBUG=true for local development)."
        )
    SECRET_KEY = "insecure-local-development-key-not-for-production"

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "corsheaders",
    "axes",
    "simple_history",
    "import_export",
    "portal",
    "boroughs",
    "projects",
]

MIDDLEWARE = [
    # First: a request's line in the log times the whole stack.
    "portal.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that answers on its own, so that every answer of the API says who may read it.
    "corsheaders.middleware.CorsMiddleware",
    # HTML is sent compressed; Django masks the CSRF token in each response, so compression
    # reveals nothing about it (BREACH).
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# The migration linter (a development tool: make check) is an app only for its own command.
if len(sys.argv) > 1 and sys.argv[1] == "lintmigrations":
    INSTALLED_APPS.append("django_migration_linter")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# PostgreSQL, the only database. Without DATABASE_URL, local development (debug) and the tests
# use the embedded server that portal/embedded_db.py starts on demand; production must name one.
DATABASE_URL = env.str("DATABASE_URL", default="")
if not DATABASE_URL:
    if not DEBUG:
        sys.exit(
            "DATABASE_URL is not set: set it to the PostgreSQL database, e.g. "
            "postgres://portal:password@127.0.0.1:5432/portal (or set DJANGO_DEBUG=true to use "
            "the embedded PostgreSQL of local development)."
        )
    from portal import embedded_db

    try:
        DATABASE_URL = embedded_db.url()
    except embedded_db.EmbeddedDatabaseError as error:
        sys.exit(str(error))
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    sys.exit("DATABASE_URL must name a PostgreSQL database (postgres://...): it is the only one.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A web page's queries are short: compiling them to machine code (JIT) costs more than it
# saves. And the catalogue is read from memory or SSD, where reading rows through an index
# costs little more than reading them in order: with the default (4, for spinning disks) a
# commission's few hundred projects were counted by scanning all 100,000. Not as low as 1.1,
# though, where a search matching most projects read them all through an index in lead-borough
# order, visiting each page of the table four times over (210 ms against 120 ms in order). Set
# per connection, so the server needs no change.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c random_page_cost=1.5"
# Read replicas, streaming standbys of the primary (comma-separated URLs): anonymous visitors'
# reads of the catalogue go to one of them, everything else to the primary (portal/replicas.py).
# A visitor who wrote reads the primary for REPLICA_STICKY_SECONDS after, to see their change.
REPLICA_DATABASES = []
for number, replica_url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    replica = env.db_url_config(replica_url)
    if replica["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("DATABASE_REPLICA_URLS must name PostgreSQL databases (postgres://...).")
    replica.update(
        {key: DATABASES["default"][key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")},
        # The tests read the primary's test database in its place.
        TEST={"MIRROR": "default"},
    )
    replica.setdefault("OPTIONS", {})["options"] = DATABASES["default"]["OPTIONS"]["options"]
    # A replica that does not answer in this long is passed over for the primary.
    replica["OPTIONS"].setdefault("connect_timeout", 2)
    DATABASES[f"replica_{number}"] = replica
    REPLICA_DATABASES.append(f"replica_{number}")
REPLICA_STICKY_SECONDS = env.int("DJANGO_REPLICA_STICKY_SECONDS", default=5)
if REPLICA_DATABASES:
    DATABASE_ROUTERS = ["portal.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "portal.replicas.ReplicaMiddleware",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("REDIS_URL", default="locmemcache://portal")}


def code_digest():
    """A digest of the portal's code and templates as deployed."""
    digest = hashlib.sha1(usedforsecurity=False)
    for folder in ("portal", "projects", "boroughs", "templates"):
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".json"}:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# What the catalogue's cached values (pages, figures, the filter column) are kept under, beside
# the catalogue's version: a release whose code or templates differ never reads what another
# release cached, perhaps in another shape, from the same Redis.
CACHE_RELEASE = env.str("DJANGO_CACHE_RELEASE", default="") or code_digest()
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "portal.cache.RedisCache"
    # A Redis that does not answer costs a page at most this long (portal/cache.py then goes on
    # without it for a few seconds).
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 0.5, "socket_timeout": 2}
    )
if env.str("REDIS_URL", default=""):
    # An admin import's preview must still be there when it is confirmed on another server.
    IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "officers:dashboard"
LOGOUT_REDIRECT_URL = "home"

# Repeated failed sign-ins for one username from one address lock that pair out for a while.
AXES_FAILURE_LIMIT = env.int("DJANGO_SIGN_IN_ATTEMPTS", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env.int("DJANGO_SIGN_IN_LOCKOUT_MINUTES", default=15)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# The header a trusted proxy writes the client's address into (e.g. X-Forwarded-For), for the
# lockout and the rate limits (portal/clients.py); unset, the connection's address counts.
CLIENT_ADDRESS_HEADER = env.str("DJANGO_CLIENT_ADDRESS_HEADER", default="")
AXES_CLIENT_IP_CALLABLE = "portal.clients.client_address"
RATELIMIT_IP_META_KEY = "portal.clients.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "portal.staticfiles.HashedStaticFiles"},
}

# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587, configures the default mailer.
# Without it, email goes to a local SMTP server, or to the console when debugging.
email_config = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
mailer_options = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
}
MAILERS = {
    "default": {
        "BACKEND": email_config["EMAIL_BACKEND"],
        "OPTIONS": {
            option: email_config[setting]
            for setting, option in mailer_options.items()
            if email_config.get(setting) is not None
        },
    }
}
if email_config["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    # A mail server that does not answer holds a sender this long at most (portal/outbox.py
    # tries again later).
    MAILERS["default"]["OPTIONS"]["timeout"] = 10
DEFAULT_FROM_EMAIL = env.str(
    "DJANGO_DEFAULT_FROM_EMAIL", default="London Integration Projects Portal <portal@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Requests to reset a password allowed per client address and per email address
# (django-ratelimit's "count/period", e.g. 5/h), counted in the cache: with Redis, by all workers
# together.
PASSWORD_RESET_RATE = env.str("DJANGO_PASSWORD_RESET_RATE", default="5/h")
# Requests to the read API allowed per client address, counted like the password resets'.
API_RATE = env.str("DJANGO_API_RATE", default="120/m")
# Any web page may read the API (GET only, without cookies); nothing else of the portal.
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]
# Downloads streaming at once, in all and from one client address (portal/downloads.py).
DOWNLOADS_AT_ONCE = env.int("DJANGO_DOWNLOADS_AT_ONCE", default=2)
DOWNLOADS_PER_CLIENT = env.int("DJANGO_DOWNLOADS_PER_CLIENT", default=1)
# The reset email is sent from another thread, so that the answer does not wait for it.
PASSWORD_RESET_EMAIL_IN_BACKGROUND = True
# Where the portal is served, for links in its emails.
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000").rstrip("/")

# HTTPS and cookies: strict unless debugging locally. Behind a TLS-terminating proxy set
# DJANGO_SECURE_PROXY_SSL_HEADER=true so Django trusts its X-Forwarded-Proto header.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer checks the portal over plain HTTP, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "same-origin"
# The one inline script, first in every page's body: it marks the page as scripted before the
# first paint, so that what scripts fold away (the menu, a phone's filters) never shows and then
# moves. GOV.UK Frontend's own test: browsers without modules run none of the portal's scripts.
BODY_SCRIPT = (
    "if ('noModule' in HTMLScriptElement.prototype) "
    "document.body.className += ' js-enabled govuk-frontend-supported';"
)
BODY_SCRIPT_HASH = base64.b64encode(hashlib.sha256(BODY_SCRIPT.encode()).digest()).decode()
# Every page's scripts, styles, images and fonts come from the portal itself: no inline script
# but that one (allowed by its hash), no inline style, nothing from elsewhere, no plugins, no
# framing, forms sent only to the portal.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, f"'sha256-{BODY_SCRIPT_HASH}'"],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The browser features no page uses, refused to every page and anything it might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
X_FRAME_OPTIONS = "DENY"

# A banner on every page saying the catalogue is fictional demo data (the local demo sets it).
DEMO_NOTICE = env.bool("DJANGO_DEMO", default=False)

# What every download states it is published under, and the 360Giving prefix of the identifiers
# the portal gives settlements (and funders without one of their own) in its 360Giving file.
OPEN_DATA_LICENCE = {
    "name": "Open Government Licence v3.0",
    "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
THREESIXTYGIVING_PREFIX = env.str("DJANGO_360GIVING_PREFIX", default="360G-londonintegration")

# One JSON object a line, and one line for each request with its duration (portal/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "portal.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
