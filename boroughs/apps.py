"""The boroughs app: authorities and commissions."""

from django.apps import AppConfig


class BoroughsConfig(AppConfig):
    name = "boroughs"
    verbose_name = "Authorities and commissions"
