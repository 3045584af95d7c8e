"""The projects app; its signals keep derived data in step."""

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projects and funding"

    def ready(self):
        from . import signals  # noqa: F401
