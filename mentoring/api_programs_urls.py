"""``/api/v1/orgs/<org_slug>/``: programs, cohorts, participants, pairs, pairing runs.
Included in mentoring/urls.py before mentoring.api_urls (whose catch-all answers unknown paths)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api_programs

router = SimpleRouter()
router.register("programs", api_programs.ProgramViewSet, basename="api-program")
router.register("cohorts", api_programs.CohortViewSet, basename="api-cohort")
router.register("participants", api_programs.ParticipantViewSet, basename="api-participant")
router.register("pairs", api_programs.PairViewSet, basename="api-pair")
router.register("pairing-runs", api_programs.PairingRunViewSet, basename="api-pairing-run")

urlpatterns = [path("", include(router.urls))]
