"""``GET /api/v1/orgs/<org_slug>/me/export/``: the caller's own data as JSON (mentoring/data_rights.py)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from . import data_rights
from .api import _errors
from .api_viewsets import EVERY_MEMBER, OrgScopedViewSet
from .models import Membership


class MyDataViewSet(OrgScopedViewSet):
    """Everything Touchpoint holds about the caller in this organisation; every export is audited."""

    queryset = Membership.unscoped.none()
    pagination_class = None
    action_roles = {"retrieve": EVERY_MEMBER}

    def org_queryset(self, org, membership):
        return Membership.objects.for_org(org).filter(pk=membership.pk)

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **_errors(404, 409)})
    def retrieve(self, request, org_slug):
        return Response(data_rights.member_data_export(actor=self.membership))
