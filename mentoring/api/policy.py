"""The organisation's mentoring policy."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from .. import services
from ..api_viewsets import EVERY_MEMBER
from ..models import Organization
from .common import OrgResourceViewSet, _errors, _valid

class PolicyOut(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", *services.POLICY_FIELDS]
        read_only_fields = fields


class PolicyIn(serializers.ModelSerializer):
    """Policy changes; the model's validators give the field messages, the
    service checks the rules across fields."""

    class Meta:
        model = Organization
        fields = list(services.POLICY_FIELDS)


class PolicyViewSet(OrgResourceViewSet):
    """The organisation's mentoring policy: one object per org."""

    queryset = Organization.objects.none()
    serializer_class = PolicyOut
    action_roles = {"retrieve": EVERY_MEMBER, "partial_update": ("manager",)}

    def org_queryset(self, org, membership):
        return Organization.objects.filter(pk=org.pk)

    def get_object(self):
        return self.org

    @extend_schema(responses={200: PolicyOut, **_errors(404)})
    def retrieve(self, request, org_slug):
        return Response(PolicyOut(self.org).data)

    @extend_schema(request=PolicyIn, responses={200: PolicyOut, **_errors(400, 403, 404)})
    def partial_update(self, request, org_slug):
        changes = _valid(PolicyIn, request.data, instance=self.org, partial=True)
        org = services.org_policy_update(actor=self.membership, org=self.org, **changes)
        return Response(PolicyOut(org).data)
