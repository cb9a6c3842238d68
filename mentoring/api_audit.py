"""``/api/v1/orgs/<org_slug>/audit/``: the organisation's audit log (program managers)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers

from .api import OrgResourceViewSet, _errors, _valid
from .audit import Action, audit_events
from .models import AuditEvent


class AuditEventOut(serializers.ModelSerializer):
    action = serializers.ChoiceField(Action.choices)
    actor = serializers.CharField(source="actor_label")
    actor_membership_id = serializers.UUIDField(allow_null=True)
    target = serializers.CharField(source="target_label")
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "actor_membership_id", "action", "target_type", "target_id", "target",
                  "before", "after", "ip"]
        read_only_fields = fields


class AuditFilterIn(serializers.Serializer):
    action = serializers.ChoiceField(Action.choices, required=False, default="")


class AuditEventViewSet(mixins.ListModelMixin, OrgResourceViewSet):
    """Append-only: there is no create, update or delete here."""

    queryset = AuditEvent.unscoped.none()
    serializer_class = AuditEventOut
    action_roles = {"list": ("manager",)}

    def org_queryset(self, org, membership):
        return audit_events(org=org, **_valid(AuditFilterIn, self.request.query_params.dict()))

    @extend_schema(parameters=[AuditFilterIn], responses={200: AuditEventOut(many=True), **_errors(403, 404)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
