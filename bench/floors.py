"""In the benchmark's database: each page's queries per request, and the database's own time
for them (the page's SQL run again on the server, median of several runs), both with warm
caches and for the request that found them empty. Prints JSON."""

import json
import statistics
import sys
import time

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from projects.facet_index import current_index  # noqa: E402


def runnable(sql):
    """The statement to time: a server-side cursor's or a COPY's query itself; nothing for a
    cursor's fetches."""
    if sql.startswith(("FETCH", "CLOSE", "SAVEPOINT", "RELEASE")):
        return None
    if sql.startswith("DECLARE"):
        return sql.split(" CURSOR WITH HOLD FOR ", 1)[-1].split(" CURSOR FOR ", 1)[-1]
    if sql.startswith("COPY ("):
        return sql[len("COPY (") : sql.rindex(") TO STDOUT")]
    return sql


def consume(response):
    if response.streaming:
        for _ in response.streaming_content:
            pass


def statements_of(captured):
    return [sql for sql in (runnable(query["sql"]) for query in captured.captured_queries) if sql]


def database_ms(statements, repeats):
    """The median time of running `statements` again, in order, on the server."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 2)


def main(addresses, repeats):
    client = Client(HTTP_HOST="127.0.0.1")
    result = {}
    # A running worker holds the facet index, which outlives an emptied cache (it is built
    # when published projects' keys change, and the benchmark times that on its own).
    current_index()
    for name, path in addresses.items():
        cache.clear()
        with CaptureQueriesContext(connection) as first:
            consume(client.get(path))  # the page built from nothing, warming the caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
            consume(response)
        warm, cold = statements_of(captured), statements_of(first)
        db_ms = database_ms(warm, repeats)
        result[name] = {
            "status": response.status_code,
            "queries": len(captured.captured_queries),
            "cold_queries": len(first.captured_queries),
            "db_ms": db_ms,
            # What a page nobody has asked for since the catalogue changed asks of the database
            # (the same as with warm caches for what is never cached, like the downloads).
            "cold_db_ms": db_ms if cold == warm else database_ms(cold, repeats),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), int(sys.argv[2]))
