"""The API's settings-level parts: pagination and JSON errors. (Kept free of
``rest_framework.views`` imports: DRF loads this module while reading its settings.)"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response

from .errors import DomainError


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Errors are JSON: ``{"detail": ..., "errors": {field: [messages]}}``."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.first_message, "errors": exc.errors}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"detail": next(iter(errors.values()))[0], "errors": errors}, status=400)
    if isinstance(exc, IntegrityError):
        return Response({"detail": "This conflicts with existing data.", "errors": {}},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        data = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        first = next(iter(data.values()), ["Invalid input."])
        detail = first[0] if isinstance(first, list) and first else str(first)
        response.data = {"detail": str(detail), "errors": data}
    elif response is not None and isinstance(response.data, dict):
        response.data.setdefault("errors", {})  # one shape for every error (401, 403, 404, bad JSON…)
    return response
