"""The caller: who they are and their organisations."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..api_viewsets import EVERY_MEMBER
from ..models import Membership
from .common import ROLE_CHOICES

class OrgRefOut(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class MembershipRefOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES))
    organization = OrgRefOut()


class MeOut(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    memberships = MembershipRefOut(many=True)


class OrgOut(serializers.Serializer):
    """One of the caller's organisations (read from their membership)."""

    slug = serializers.SlugField(source="organization.slug")
    name = serializers.CharField(source="organization.name")
    time_zone = serializers.CharField(source="organization.time_zone")
    membership_id = serializers.UUIDField(source="id")
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES))


class MeView(APIView):
    @extend_schema(responses=MeOut)
    def get(self, request):
        user = request.user
        memberships = selectors.memberships_of_user(user)
        return Response(MeOut({"email": user.email, "first_name": user.first_name,
                               "last_name": user.last_name, "memberships": memberships}).data)


class OrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's organisations (where their membership is active)."""

    queryset = Membership.unscoped.none()
    serializer_class = OrgOut
    lookup_field = "organization__slug"
    lookup_url_kwarg = "org_slug"
    # The caller's own memberships only; a non-member's slug is simply not found.
    action_roles = {"list": EVERY_MEMBER, "retrieve": EVERY_MEMBER}

    def get_queryset(self):
        return Membership.unscoped.filter(user=self.request.user, is_active=True) \
            .select_related("organization").order_by("organization__name", "id")
