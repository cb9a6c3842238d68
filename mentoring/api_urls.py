"""``/api/v1/``: the caller (``me/``, ``tokens/``, ``orgs/``) and the tenant
resources under ``orgs/<org_slug>/``."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("tokens", api.TokenViewSet, basename="api-token")
router.register("orgs", api.OrgViewSet, basename="api-org")

org_router = SimpleRouter()
org_router.register("members", api.MemberViewSet, basename="api-member")
org_router.register("people", api.PeopleViewSet, basename="api-person")
org_router.register("invitations", api.InvitationViewSet, basename="api-invitation")

policy = api.PolicyViewSet.as_view({"get": "retrieve", "patch": "partial_update"})


def not_found(request, rest=""):
    """Unknown API paths (and malformed ids) answer in the API's JSON error shape."""
    return JsonResponse({"detail": "Not found.", "errors": {}}, status=404)


urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("orgs/<slug:org_slug>/policy/", policy, name="api-policy"),
    path("orgs/<slug:org_slug>/", include(org_router.urls)),
    path("", include(router.urls)),
    re_path(r"^(?P<rest>.*)$", not_found),
]
