"""The settings read the environment as the README documents."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from portal.cache import RedisCache

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "portal" / "settings.py"
SECRET = "a-long-random-production-secret-key-for-these-tests-only-0123456789"
PRODUCTION_DATABASE = "postgres://portal:pw@db.example.org:5432/portal"
# The test run's own server (tests/settings.py chose it), for commands that reach a database.
DATABASE_URL = os.environ["DATABASE_URL"]


@pytest.fixture
def environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "DATABASE_", "EMAIL_URL", "REDIS_URL")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DJANGO_ENV_FILE", os.devnull)
    return monkeypatch


def load():
    return runpy.run_path(str(SETTINGS))


def test_production_defaults_are_safe(environment):
    environment.setenv("DJANGO_SECRET_KEY", SECRET)
    environment.setenv("DATABASE_URL", PRODUCTION_DATABASE)
    settings = load()
    assert settings["DEBUG"] is False
    assert settings["ALLOWED_HOSTS"] == []
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SESSION_COOKIE_SECURE"]
    assert settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_HSTS_SECONDS"] == 31_536_000
    assert "SECURE_PROXY_SSL_HEADER" not in settings
    assert settings["DATABASES"]["default"]["OPTIONS"]["options"] == (
        "-c jit=off -c random_page_cost=1.5"
    )
    assert settings["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert (
        settings["MAILERS"]["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    )
    assert settings["STORAGES"]["staticfiles"]["BACKEND"] == "portal.staticfiles.HashedStaticFiles"
    # One database: no router, and nothing on the way of each request.
    assert list(settings["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in settings
    assert "portal.replicas.ReplicaMiddleware" not in settings["MIDDLEWARE"]


def test_the_environment_configures_a_production_deployment(environment):
    environment.setenv("DJANGO_SECRET_KEY", SECRET)
    environment.setenv("DJANGO_ALLOWED_HOSTS", "portal.example.org,www.portal.example.org")
    environment.setenv("DATABASE_URL", PRODUCTION_DATABASE)
    environment.setenv("REDIS_URL", "redis://cache.example.org:6379/1")
    environment.setenv("EMAIL_URL", "smtp+tls://mailer:pw@smtp.example.org:587")
    environment.setenv("DJANGO_SECURE_PROXY_SSL_HEADER", "true")
    environment.setenv("DJANGO_SECURE_SSL_REDIRECT", "false")
    settings = load()
    assert settings["SECRET_KEY"] == SECRET
    assert settings["ALLOWED_HOSTS"] == ["portal.example.org", "www.portal.example.org"]
    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"], database["USER"]) == (
        "db.example.org",
        "portal",
        "portal",
    )
    assert settings["CACHES"]["default"] == {
        "BACKEND": "portal.cache.RedisCache",
        "LOCATION": "redis://cache.example.org:6379/1",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2},
    }
    assert settings["MAILERS"]["default"]["OPTIONS"] == {
        "host": "smtp.example.org",
        "port": 587,
        "username": "mailer",
        "password": "pw",
        "use_tls": True,
        "timeout": 10,
    }
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["SECURE_SSL_REDIRECT"] is False


def test_read_replicas_come_with_their_router(environment):
    environment.setenv("DJANGO_SECRET_KEY", SECRET)
    environment.setenv("DATABASE_URL", PRODUCTION_DATABASE)
    environment.setenv(
        "DATABASE_REPLICA_URLS",
        "postgres://portal:pw@replica-1.example.org:5432/portal,"
        "postgres://portal:pw@replica-2.example.org:5432/portal",
    )
    environment.setenv("DJANGO_REPLICA_STICKY_SECONDS", "10")
    settings = load()
    assert settings["REPLICA_DATABASES"] == ["replica_1", "replica_2"]
    replica = settings["DATABASES"]["replica_2"]
    assert (replica["HOST"], replica["NAME"], replica["CONN_MAX_AGE"]) == (
        "replica-2.example.org",
        "portal",
        60,
    )
    assert replica["OPTIONS"] == {
        "options": "-c jit=off -c random_page_cost=1.5",
        "connect_timeout": 2,
    }
    assert replica["TEST"] == {"MIRROR": "default"}
    assert settings["DATABASE_ROUTERS"] == ["portal.replicas.ReplicaRouter"]
    middleware = settings["MIDDLEWARE"]
    assert middleware.index("portal.replicas.ReplicaMiddleware") == (
        middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    )
    assert settings["REPLICA_STICKY_SECONDS"] == 10


def test_debug_is_for_local_development_only(environment):
    environment.setenv("DJANGO_DEBUG", "true")
    settings = load()
    assert settings["DEBUG"] is True
    assert settings["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["MAILERS"]["default"]["BACKEND"].endswith("console.EmailBackend")
    # Without DATABASE_URL, the embedded PostgreSQL of local development.
    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["OPTIONS"]["host"], database["NAME"]) == (str(ROOT / ".postgres"), "portal")


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def refusal(*args, **env):
    """What manage.py says when it refuses to run `args`: it exits with 1."""
    result = run_manage(*args, **env)
    assert result.returncode == 1
    return result.stderr.strip()


def test_production_refuses_to_start_without_a_database_with_one_line(environment):
    assert refusal("check", DJANGO_SECRET_KEY=SECRET) == (
        "DATABASE_URL is not set: set it to the PostgreSQL database, e.g. "
        "postgres://portal:password@127.0.0.1:5432/portal (or set DJANGO_DEBUG=true to use the "
        "embedded PostgreSQL of local development)."
    )


def test_postgresql_is_the_only_database(environment):
    database_url = "mysql://portal:pw@127.0.0.1:3306/portal"
    assert refusal("check", DJANGO_SECRET_KEY=SECRET, DATABASE_URL=database_url) == (
        "DATABASE_URL must name a PostgreSQL database (postgres://...): it is the only one."
    )
    replicas = "mysql://portal:pw@127.0.0.1:3306/portal"
    assert (
        refusal(
            "check",
            DJANGO_SECRET_KEY=SECRET,
            DATABASE_URL=DATABASE_URL,
            DATABASE_REPLICA_URLS=replicas,
        )
        == "DATABASE_REPLICA_URLS must name PostgreSQL databases (postgres://...)."
    )


def test_an_env_file_is_read_when_present(environment, tmp_path):
    env_file = tmp_path / "portal.env"
    env_file.write_text(
        f"DJANGO_SECRET_KEY={SECRET}\nDATABASE_URL={PRODUCTION_DATABASE}\n"
        "DJANGO_ALLOWED_HOSTS=from-file.example.org\n"
    )
    environment.setenv("DJANGO_ENV_FILE", str(env_file))
    assert load()["ALLOWED_HOSTS"] == ["from-file.example.org"]


def test_without_a_secret_key_the_process_refuses_to_start_with_one_line(environment):
    assert refusal("check", DATABASE_URL=PRODUCTION_DATABASE) == (
        "DJANGO_SECRET_KEY is not set: set it to a long random string "
        "(or set DJANGO_DEBUG=true for local development)."
    )


def test_schema_commands_run_without_a_secret_key_and_sign_nothing(environment):
    environment.setattr(sys, "argv", ["manage.py", "migrate"])
    environment.setenv("DATABASE_URL", PRODUCTION_DATABASE)
    assert load()["SECRET_KEY"] == ""
    result = run_manage("makemigrations", "--check", "--dry-run", DATABASE_URL=DATABASE_URL)
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_the_redis_cache_makes_one_client_per_server_and_reuses_it():
    # Making a client opens no connection, so this needs no Redis server.
    cache = RedisCache("redis://cache.example.org:6379/1", {})
    client = cache._cache.get_client("catalogue:version")
    assert client is cache._cache.get_client("another-key", write=True)
    assert client.connection_pool.connection_kwargs["host"] == "cache.example.org"
