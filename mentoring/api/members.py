"""Members of the organisation and their roles."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..api_viewsets import EVERY_MEMBER
from ..models import Membership
from .common import ROLE_CHOICES, OrgResourceViewSet, _errors, _valid

class MemberOut(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES))
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "email", "display_name", "roles", "is_active", "deactivated_at", "has_account",
                  "created_at"]
        read_only_fields = fields

    def get_has_account(self, member) -> bool:
        return member.user_id is not None


class RolesIn(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES), allow_empty=False)


class MemberFilterIn(serializers.Serializer):
    role = serializers.ChoiceField(ROLE_CHOICES, required=False)
    # Not nullable: DRF would read "?active=" (and "null") as "no filter" although the schema says boolean;
    # a value that is not true/false is a 400 with a field message, like "?role=".
    active = serializers.BooleanField(required=False, help_text="true: active members only; false: deactivated.")


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Members of the organisation and their roles. Everyone may list;
    program managers change roles and (de)activate."""

    queryset = Membership.unscoped.none()
    serializer_class = MemberOut
    action_roles = {"list": EVERY_MEMBER, "retrieve": EVERY_MEMBER,
                    "partial_update": ("manager",), "deactivate": ("manager",), "reactivate": ("manager",)}

    def org_queryset(self, org, membership):
        members = Membership.objects.for_org(org).order_by("display_name", "id")
        if self.action != "list":
            return members
        filters = _valid(MemberFilterIn, self.request.query_params.dict())
        if filters.get("role"):
            members = members.with_role(filters["role"])
        if filters.get("active") is not None:
            members = members.filter(is_active=filters["active"])
        return members

    @extend_schema(parameters=[MemberFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RolesIn, responses={200: MemberOut, **_errors(400, 403, 404, 409)})
    def partial_update(self, request, org_slug, id):
        member = self.get_object()  # a missing member is a 404 before any 400 about the body
        roles = _valid(RolesIn, request.data)["roles"]
        member = services.membership_set_roles(actor=self.membership, membership=member, roles=roles)
        return Response(MemberOut(member).data)

    @extend_schema(request=None, responses={200: MemberOut, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, org_slug, id):
        member = services.membership_deactivate(actor=self.membership, membership=self.get_object())
        return Response(MemberOut(member).data)

    @extend_schema(request=None, responses={200: MemberOut, **_errors(403, 404)})
    @action(detail=True, methods=["post"])
    def reactivate(self, request, org_slug, id):
        member = services.membership_reactivate(actor=self.membership, membership=self.get_object())
        return Response(MemberOut(member).data)
