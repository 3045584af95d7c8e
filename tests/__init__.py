"""The portal's test suite: pytest, on PostgreSQL (tests/settings.py says which server)."""
