"""``/api/v1/``: the caller (``me/``, ``tokens/``, ``orgs/``) and the tenant
resources under ``orgs/<org_slug>/``."""

from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, include, path, re_path, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import SimpleRouter

from . import api, api_audit, api_data_rights

router = SimpleRouter()
router.register("tokens", api.TokenViewSet, basename="api-token")
router.register("orgs", api.OrgViewSet, basename="api-org")

org_router = SimpleRouter()
org_router.register("members", api.MemberViewSet, basename="api-member")
org_router.register("people", api.PeopleViewSet, basename="api-person")
org_router.register("invitations", api.InvitationViewSet, basename="api-invitation")
org_router.register("audit", api_audit.AuditEventViewSet, basename="api-audit")

policy = api.PolicyViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
my_data = api_data_rights.MyDataViewSet.as_view({"get": "retrieve"})


@csrf_exempt  # it changes nothing; without this an unknown path answered POST with an HTML CSRF page
def not_found(request, rest=""):
    """Unknown API paths (and malformed ids) answer in the API's JSON error shape.
    A path missing only its trailing slash is redirected with 308, which (unlike
    Django's APPEND_SLASH 301) keeps the method and body of a POST or PATCH."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING")
            response = HttpResponse(status=308)
            response["Location"] = request.path + "/" + (f"?{query}" if query else "")
            return response
    return JsonResponse({"detail": "Not found.", "errors": {}}, status=404)


urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("orgs/<slug:org_slug>/policy/", policy, name="api-policy"),
    path("orgs/<slug:org_slug>/me/export/", my_data, name="api-my-data"),
    path("orgs/<slug:org_slug>/", include(org_router.urls)),
    path("", include(router.urls)),
    re_path(r"^(?P<rest>(?s:.*))$", not_found),  # (?s): a path with a newline is API too
]
