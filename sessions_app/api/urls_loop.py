"""API of the session loop, included under /api/v1/orgs/<slug:org_slug>/."""

from rest_framework.routers import SimpleRouter

from . import loop

router = SimpleRouter()
router.register("sessions", loop.SessionViewSet, basename="api-session")
router.register("next-steps", loop.NextStepViewSet, basename="api-next-step")
router.register("kudos", loop.KudosViewSet, basename="api-kudos")

urlpatterns = router.urls
