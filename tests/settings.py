"""The portal's settings for the test suite: its own environment, then a few speed-ups.

The variables are set before the portal's settings module reads them, so tests exercise the same
settings as production. The database is DATABASE_URL's PostgreSQL when it is set, and otherwise
the embedded PostgreSQL (portal/embedded_db.py); each pytest-xdist worker gets a test database
of its own on it.
"""

import os
import sys

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_ENV_FILE", os.devnull)
if not os.environ.get("DATABASE_URL"):
    from portal import embedded_db

    try:
        os.environ["DATABASE_URL"] = embedded_db.url()
    except embedded_db.EmbeddedDatabaseError as error:
        sys.exit(str(error))

from portal.settings import *  # noqa: F403
from portal.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# The tests read a reset email as soon as the request is answered (one test sends it from
# another thread, as production does).
PASSWORD_RESET_EMAIL_IN_BACKGROUND = False
