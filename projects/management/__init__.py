"""The projects app's management commands."""
