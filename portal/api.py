"""What every endpoint of the read API shares, whatever it lists: JSON only, no sign-in, a rate
limit per client address, validators for conditional requests, errors that name the parameter,
links to the next and previous pages, and query parameters documented from the very form that
checks them (so the OpenAPI document cannot drift from what a list accepts)."""

import hashlib
import math

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django_ratelimit.core import get_usage
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.throttling import BaseThrottle

from .caching import TIMEOUT
from .clients import client_address
from .forms import GOVUKDateField

# Moves when what the API writes changes shape, so that no client keeps an old body for a new
# one under the same validator.
REVISION = 1


class JSONOnly(BaseContentNegotiation):
    """The API answers JSON whatever the client accepts, and reads no request body."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def without_address(group, request):
    return "no-address"


class RequestsPerAddress(BaseThrottle):
    """At most settings.API_RATE requests from one client address (portal/clients.py), counted
    by django-ratelimit in the shared cache, as the password reset's limit is."""

    def allow_request(self, request, view):
        request = request._request
        # Counted by address ("ip": an IPv6 client's whole /64 together), or all together for
        # requests that come with none (a server on a Unix socket gives none).
        key = "ip" if client_address(request) else without_address
        self.usage = get_usage(
            request, group="api", key=key, rate=settings.API_RATE, increment=True
        )
        return not (self.usage and self.usage["should_limit"])

    def wait(self):
        return max(1, self.usage["time_left"])


class BadParameters(APIException):
    """Query parameters a list cannot use, each named with what is wrong with it."""

    status_code = 400
    default_detail = "Some query parameters cannot be used: see errors."

    def __init__(self, errors):
        super().__init__()
        self.errors = errors


def form_errors(form):
    """{parameter: [messages]} of a bound form: a date's errors under the date's name."""
    return {
        name if name != NON_FIELD_ERRORS else "parameters": list(messages)
        for name, messages in form.errors.items()
    }


def known_names(form, also=()):
    """The names a query string may give: the form's (a date's day, month and year boxes
    included) and `also`."""
    names = list(also)
    for field in form:
        widget = field.field.widget
        if isinstance(widget, forms.MultiWidget):
            names += [field.html_name + suffix for suffix in widget.widgets_names]
        else:
            names.append(field.html_name)
    return names


def check_names(query, form, also=()):
    """Refuse (400) a query string naming a parameter the list does not take, so that a typo
    does not quietly list everything."""
    known = known_names(form, also)
    unknown = sorted(set(query) - set(known))
    if unknown:
        takes = ", ".join(known)
        raise BadParameters(
            {name: [f"There is no parameter “{name}”: this list takes {takes}"] for name in unknown}
        )


# Conditional requests ---------------------------------------------------------------------------


def first_seen(version):
    """When the portal first answered at this version of the catalogue: the time its data last
    changed, as far as a client can tell (kept in the shared cache; now, if the cache is
    down)."""
    key = f"catalogue:{version}:first-seen"
    cache.add(key, timezone.now().timestamp(), timeout=TIMEOUT)
    return cache.get(key) or timezone.now().timestamp()


def validators(request, version):
    """(ETag, Last-Modified timestamp) of a response at this version of the catalogue: the same
    address gives the same body until the catalogue changes."""
    address = f"{REVISION}:{version}:{request.get_full_path()}"
    digest = hashlib.sha1(address.encode(), usedforsecurity=False).hexdigest()[:24]
    return f'"{digest}"', math.floor(first_seen(version))


# Pages ------------------------------------------------------------------------------------------


def page_link(request, number):
    """The absolute address of page `number` of this list, with the same parameters; None for
    no page."""
    if number is None:
        return None
    query = request.query_params.copy()
    query["page"] = number
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def page_bounds(request, number, per_page, count):
    """(start, stop, previous, next) of page `number`, or 400 naming the page when it is past
    the last."""
    last = max(1, math.ceil(count / per_page))
    if number > last:
        pages = f"{last} page" if last == 1 else f"{last} pages"
        raise BadParameters({"page": [f"Page must be {last} or less: the list has {pages}"]})
    return (
        (number - 1) * per_page,
        number * per_page,
        page_link(request, number - 1 if number > 1 else None),
        page_link(request, number + 1 if number < last else None),
    )


def page_body(results, count, previous, following, **more):
    """A list's body: its count, links to the pages either side (None at the ends), its page."""
    return {"count": count, "previous": previous, "next": following, **more, "results": results}


# The OpenAPI document ---------------------------------------------------------------------------


def form_parameters(form):
    """The query parameters a form reads, as OpenAPI documents them: their types, choices and
    bounds taken from its fields."""
    parameters = []
    for field in form:
        parameters += field_parameters(field.html_name, field.field, str(field.label or ""))
    return parameters


def choice_values(field):
    """A choice field's values (not its empty choice), and their JSON Schema type."""
    values = [value for value, _ in field.choices if value not in ("", None)]
    return values, "integer" if all(isinstance(v, int) for v in values) else "string"


def field_parameters(name, field, description):
    """The parameters of one form field: a date's three, any other's one."""
    if isinstance(field, GOVUKDateField):
        return [
            OpenApiParameter(
                f"{name}_{part}",
                {"type": "integer", "minimum": low, "maximum": high},
                description=f"{description}: the {part} ({low} to {high}); give all three",
            )
            for part, low, high in (("day", 1, 31), ("month", 1, 12), ("year", 1000, 9999))
        ]
    if isinstance(field, forms.ModelMultipleChoiceField):
        schema = {"type": "array", "items": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}}
        return [
            OpenApiParameter(
                name, schema, description=f"{description}, by slug; repeat for several"
            )
        ]
    if isinstance(field, forms.MultipleChoiceField):
        values, _ = choice_values(field)
        schema = {"type": "array", "items": {"type": "string", "enum": values}}
        return [OpenApiParameter(name, schema, description=f"{description}; repeat for several")]
    if isinstance(field, forms.ChoiceField):
        values, kind = choice_values(field)
        schema = {"type": kind, "enum": values}
        return [OpenApiParameter(name, schema, description=description)]
    if isinstance(field, forms.IntegerField):
        schema = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return [OpenApiParameter(name, schema, description=description)]
    if isinstance(field, forms.DecimalField):
        schema = {"type": "number"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        return [OpenApiParameter(name, schema, description=description)]
    return [OpenApiParameter(name, {"type": "string"}, description=description)]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Each parameter that cannot be used, with what is wrong with it.",
    )


def page_serializer(name, result_serializer, **more):
    """A list's body: the count of everything it holds, links to the previous and next pages
    (null at either end), and a page of results."""
    fields = {
        "count": serializers.IntegerField(),
        "previous": serializers.URLField(allow_null=True),
        "next": serializers.URLField(allow_null=True),
        **more,
        "results": result_serializer(many=True),
    }
    return type(name, (serializers.Serializer,), fields)
