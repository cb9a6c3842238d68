"""Invitations by email into the organisation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from .. import selectors, services
from ..models import Invitation
from .common import ROLE_CHOICES, OrgResourceViewSet, _errors, _valid

class InvitationOut(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES))
    status = serializers.ChoiceField(["pending", "accepted", "revoked", "expired"])
    invited_by = serializers.EmailField(source="invited_by.email", allow_null=True, default=None)

    class Meta:
        model = Invitation
        fields = ["id", "email", "roles", "status", "invited_by", "created_at", "expires_at", "accepted_at",
                  "revoked_at"]
        read_only_fields = fields


class InvitationIn(serializers.Serializer):
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES), allow_empty=False,
                                  default=["mentee"])


class InvitationViewSet(mixins.ListModelMixin, OrgResourceViewSet):
    """Invitations by email into the organisation (program managers)."""

    queryset = Invitation.unscoped.none()
    serializer_class = InvitationOut
    action_roles = {"list": ("manager",), "create": ("manager",), "destroy": ("manager",)}

    def org_queryset(self, org, membership):
        return selectors.invitations_list(org)

    @extend_schema(request=InvitationIn, responses={201: InvitationOut, **_errors(400, 403, 409)})
    def create(self, request, org_slug):
        data = _valid(InvitationIn, request.data)
        invitation = services.invitation_create(actor=self.membership, email=data["email"], roles=data["roles"])
        return Response(InvitationOut(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **_errors(403, 404, 409)}, description="Revoke an open invitation.")
    def destroy(self, request, org_slug, id):
        services.invitation_revoke(actor=self.membership, invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
