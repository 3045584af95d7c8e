"""The read API's endpoint: every one reads the catalogue's version first, counts the client's
requests, answers a conditional request with 304 while the catalogue is unchanged, and says
what is wrong with a bad parameter in JSON, never with a server error."""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView, exception_handler

from portal.api import (
    BadParameters,
    ErrorSerializer,
    JSONOnly,
    RequestsPerAddress,
    form_parameters,
    validators,
)
from portal.caching import cached

from ..models import CatalogueVersion


class ReadSchema(AutoSchema):
    """An operation as its view declares it: the query parameters, documented from the form
    that checks them, and the responses."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *self.view.query_parameters()]

    def get_operation_id(self):
        """projects_list for a list, projects_retrieve for one of its records."""
        found = super().get_operation_id()
        return found if self.view.finds_one else found.replace("_retrieve", "_list")

    def get_response_serializers(self):
        view = self.view
        documented = {
            200: view.body,
            304: OpenApiResponse(description="Not modified since the ETag or date given."),
            429: OpenApiResponse(
                ErrorSerializer, description="Too many requests: see Retry-After."
            ),
        }
        if view.query_parameters():
            documented[400] = OpenApiResponse(ErrorSerializer, description="A parameter is wrong.")
        if view.moves:
            documented[301] = OpenApiResponse(
                ErrorSerializer, description="Moved: its address is in the Location header."
            )
        if view.finds_one:
            documented[404] = OpenApiResponse(ErrorSerializer, description="No such record.")
        return documented


class MovedPermanently(APIException):
    """A record now at another address (a project merged into another)."""

    status_code = 301
    default_detail = "Moved to the address in Location."

    def __init__(self, location):
        super().__init__()
        self.location = location


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if isinstance(exc, BadParameters):
        response.data["errors"] = exc.errors
    if isinstance(exc, MovedPermanently):
        response["Location"] = exc.location
    return response


class ReadView(APIView):
    """GET (and HEAD) only, JSON only, for anyone: no session is read, so a signed-in officer
    sees what everyone sees. Subclasses `read()` the body."""

    authentication_classes = []
    permission_classes = []
    renderer_classes = [JSONRenderer]
    parser_classes = []
    content_negotiation_class = JSONOnly
    throttle_classes = [RequestsPerAddress]
    http_method_names = ["get", "head", "options"]
    schema = ReadSchema()
    #: The serializer of its body.
    body = None
    #: Whether it finds one record by its identifier (404 when there is none).
    finds_one = False
    #: Whether a record may have moved to another address (301).
    moves = False

    def query_parameters(self):
        form = self.parameters_form()
        return form_parameters(form) if form is not None else []

    def parameters_form(self):
        """The unbound form whose fields are the query parameters (None: it takes none)."""
        return None

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        # The catalogue's version first: whatever is read after it is at least as new.
        self.catalogue_version = CatalogueVersion.current()
        super().initial(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        # The body first (from the cache, mostly), so that an error or a missing record is
        # never answered 304.
        response = HttpResponse(
            self.kept_body(request, *args, **kwargs), content_type="application/json"
        )
        etag, modified = validators(request, self.catalogue_version)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(modified)
        # Kept by browsers and proxies, but asked about again each time: an unchanged catalogue
        # answers 304 without a body.
        response["Cache-Control"] = "public, no-cache"
        return get_conditional_response(
            request, etag=etag, last_modified=modified, response=response
        )

    def kept_body(self, request, *args, **kwargs):
        """The body, as JSON, kept until the catalogue changes under the address and its
        parameters (in any order): an answer is the same for everyone. Only a body read without
        error is kept, so a query string no list can use never fills the cache."""
        address = {
            "url": request.build_absolute_uri(request.path),
            "query": sorted(request.query_params.lists()),
        }

        def rendered():
            return JSONRenderer().render(self.read(request, *args, **kwargs))

        return cached("api", address, rendered, self.catalogue_version)

    def read(self, request, *args, **kwargs):
        raise NotImplementedError
