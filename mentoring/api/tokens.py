"""Personal API tokens of the caller."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from .. import services
from ..models import ApiToken
from .common import _errors, _valid

class TokenOut(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class TokenCreatedOut(TokenOut):
    token = serializers.CharField(help_text="The raw token. Shown once: only its hash is stored.")

    class Meta(TokenOut.Meta):
        fields = TokenOut.Meta.fields + ["token"]
        read_only_fields = fields


class TokenIn(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False, default="API token")


class TokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Personal API tokens of the caller. Only a token's prefix is ever shown
    again after creation."""

    serializer_class = TokenOut
    queryset = ApiToken.objects.none()
    lookup_field = "id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "id")

    @extend_schema(request=TokenIn, responses={201: TokenCreatedOut, **_errors(400, 403)})
    def create(self, request):
        token, raw = services.token_issue(user=request.user, name=_valid(TokenIn, request.data)["name"])
        token.token = raw
        return Response(TokenCreatedOut(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **_errors(404)})
    def destroy(self, request, id):
        services.token_revoke(user=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
