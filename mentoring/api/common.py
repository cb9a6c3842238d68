"""What every API module of the core (and of the other apps) shares: the error
shape for the schema, input validation, and the tenant viewset base."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from ..api_viewsets import OrgScopedViewSet
from ..models import ROLES

ROLE_CHOICES = [(role, role) for role in ROLES]


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERRORS = {code: OpenApiResponse(ErrorOut) for code in (400, 403, 404, 409)}


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


def _valid(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class OrgResourceViewSet(OrgScopedViewSet):
    """Tenant resources of the core; role checks per action come from
    ``OrgScopedViewSet.action_roles``."""
