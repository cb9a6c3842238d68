"""``/api/v1/orgs/<org_slug>/``: external mentors, agreements, the agreement template,
the caller's own participations. Included in mentoring/urls.py before mentoring.api_urls."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api_external

router = SimpleRouter()
router.register("external-mentors", api_external.ExternalMentorViewSet, basename="api-external-mentor")
router.register("agreements", api_external.AgreementViewSet, basename="api-agreement")
router.register("my-participations", api_external.MyParticipationViewSet, basename="api-my-participation")

template = api_external.AgreementTemplateViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

urlpatterns = [
    path("agreement-template/", template, name="api-agreement-template"),
    path("", include(router.urls)),
]
