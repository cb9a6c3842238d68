"""The API's settings-level parts: pagination and JSON errors. (Kept free of
``rest_framework.views`` imports: DRF loads this module while reading its settings.)"""

from __future__ import annotations

from django.core.exceptions import SuspiciousOperation, ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, negotiation, pagination, status
from rest_framework.response import Response

from .errors import DomainError


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and not (raw.isdigit() and int(raw) >= 1):
            raise exceptions.ValidationError({self.page_query_param: ["A page number from 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        # DRF silently ignores a malformed page_size; say so instead (above the
        # maximum is still capped, as DRF documents).
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and int(raw) >= 1):
            raise exceptions.ValidationError({self.page_size_query_param: [
                f"A whole number from 1 to {self.max_page_size}."]})
        return super().get_page_size(request)


def flat_errors(data) -> dict[str, list[str]]:
    """DRF nests the errors of list and nested fields; clients get one list of
    messages per request field, the nested place named in the message:
    ``{"items": {"0": {"url": [m]}}}`` -> ``{"items": ["Item 1, url: m"]}``."""
    if not isinstance(data, dict):
        return {"non_field_errors": _messages(data)}
    return {str(field): _messages(value) for field, value in data.items()}


def _messages(value, where: str = "") -> list[str]:
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        value = {index: item for index, item in enumerate(value) if item}  # {} marks a valid item
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            place = f"Item {int(key) + 1}" if str(key).isdigit() else str(key)
            out.extend(_messages(item, f"{where}, {place}" if where else place))
        return out
    messages = value if isinstance(value, list) else [value]
    return [f"{where}: {message}" if where else str(message) for message in messages]


class ContentNegotiation(negotiation.DefaultContentNegotiation):
    """``?format=`` left empty is an unknown format (404), like any other,
    rather than silently ignored."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if not format_suffix and request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) == "":
            raise exceptions.NotFound("Unknown format.")
        return super().select_renderer(request, renderers, format_suffix)


def exception_handler(exc, context):
    """Errors are JSON: ``{"detail": ..., "errors": {field: [messages]}}``."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.first_message, "errors": exc.errors}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"detail": next(iter(errors.values()))[0], "errors": errors}, status=400)
    if isinstance(exc, SuspiciousOperation):
        # Malformed or oversized requests raised while DRF parses them (TooManyFieldsSent,
        # TooManyFilesSent, RequestDataTooBig…): the client's fault, never a 500.
        message = "The request could not be read: too many fields, files or bytes, or malformed."
        return Response({"detail": message, "errors": {"non_field_errors": [message]}},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response({"detail": "This conflicts with existing data.", "errors": {}},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        data = flat_errors(response.data) or {"non_field_errors": ["Invalid input."]}
        response.data = {"detail": next(iter(data.values()))[0], "errors": data}
    elif response is not None and isinstance(response.data, dict):
        response.data.setdefault("errors", {})  # one shape for every error (401, 403, 404, bad JSON…)
    return response
