"""The log as an operator's tools read it: one JSON object a line, and one line for each request
with how long it took.

Every record is written as JSON (time, level, logger, message, and the exception's traceback if
there is one). The request's own line (logger `portal.requests`, at INFO) adds its method, path
with query string, status, bytes sent, duration in milliseconds and client address (behind a
proxy, the one the proxy names: portal/clients.py); health checks that answer ok have none. A
streamed download's line is written when its stream ends, so that its duration and bytes are the
whole download's; a file's (a static file's) when it is answered, its bytes from its length, so
that the server still sends it straight from the file.
"""

import datetime
import json
import logging
import time

from django.http import FileResponse

from .clients import client_address

logger = logging.getLogger("portal.requests")
# A load balancer asks every second or so: its answers are logged only when they are not ok.
HEALTH_CHECKS = {"/healthz/", "/readyz/"}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON, with the fields it was logged with (extra={"fields": ...})."""

    def format(self, record):
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def log_request(request, status, size, started):
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    path = request.get_full_path()
    logger.info(
        "%s %s %s %.1f ms",
        request.method,
        path,
        status,
        duration_ms,
        extra={
            "fields": {
                "method": request.method,
                "path": path,
                "status": status,
                "bytes": size,
                "duration_ms": duration_ms,
                "client": client_address(request),
            }
        },
    )


class LoggedWhenDone:
    """A streamed response's content, which logs its request once the stream ends, however it
    ends: the server closes it after the last chunk, or when the client goes away."""

    def __init__(self, chunks, done):
        self.chunks = chunks
        self.done = done
        self.size = 0

    def __iter__(self):
        for chunk in self.chunks:
            self.size += len(chunk)
            yield chunk

    def close(self):
        self.done(self.size)


class RequestLogMiddleware:
    """First of the middleware, so that a request's time is the whole stack's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if not logger.isEnabledFor(logging.INFO) or (
            request.path in HEALTH_CHECKS and response.status_code == 200
        ):
            return response
        if isinstance(response, FileResponse):
            size = int(response.get("Content-Length") or 0)
            log_request(request, response.status_code, size, started)
        elif response.streaming:
            response.streaming_content = LoggedWhenDone(
                response.streaming_content,
                lambda size: log_request(request, response.status_code, size, started),
            )
        else:
            log_request(request, response.status_code, len(response.content), started)
        return response
