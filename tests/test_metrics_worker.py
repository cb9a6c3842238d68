"""The dashboards' snapshot tasks on a real Celery worker (Redis, the test
Postgres database): the refresh writes every scope's snapshots, a manager's
recompute rewrites them."""

import pytest
from django.db.models import Max

from metrics.models import MetricSnapshot
from metrics.tasks import snapshots_recompute_task, snapshots_refresh_task
from tests.metrics_dash_world import dash_world
from tests.worker_fixture import start_worker  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def latest(org):
    return MetricSnapshot.objects.for_org(org).aggregate(at=Max("computed_at"))["at"]


def test_the_worker_refreshes_and_recomputes_snapshots(start_worker, org_a, manager, mentor, mentee, hr):
    world = dash_world(org_a, mentor)
    worker = start_worker()

    worker.send(snapshots_refresh_task, str(org_a.pk))
    worker.wait_until(lambda: MetricSnapshot.objects.for_org(org_a).filter(scope="cohort").exists(), "snapshots")
    first = latest(org_a)
    worker.send(snapshots_recompute_task, str(org_a.pk))
    worker.wait_until(lambda: latest(org_a) > first, "the recompute")

    groups = MetricSnapshot.objects.for_org(org_a).filter(scope="cohort", scope_key=str(world.cohort.pk),
                                                          metric="group").values_list("payload", flat=True)
    assert list(groups) == [{"n": 7}] * 3  # one per standard period
