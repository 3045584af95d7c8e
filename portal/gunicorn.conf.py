"""gunicorn settings for production and the benchmark:

    gunicorn portal.wsgi -c portal/gunicorn.conf.py

Threaded workers: a long streamed export holds one thread, not a whole worker, so list pages
keep being served beside it; database connections persist per thread (CONN_MAX_AGE).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
timeout = 120


def post_worker_init(worker):
    """Load the URL configuration, and with it every view, before the first request rather than
    in it, then return the memory loading freed."""
    from django.urls import get_resolver

    from portal.memory import release_freed_memory

    get_resolver().url_patterns  # noqa: B018 (loading is what reading it does)
    release_freed_memory()
