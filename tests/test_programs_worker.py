"""A large cohort's pairing run on a real Celery worker (Redis, the test
Postgres database): the run row moves to done with its pairs stored."""

import pytest

from mentoring.models_programs import Pair, PairingRun
from mentoring.tasks_programs import pairing_run_task
from tests.factories_programs import CohortFactory, ParticipantFactory, ProgramFactory
from tests.worker_fixture import start_worker  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def test_a_queued_pairing_run_is_done_by_the_worker_with_its_pairs(start_worker, org_a, manager):
    cohort = CohortFactory(program=ProgramFactory(organization=org_a))
    for _ in range(3):
        ParticipantFactory(cohort=cohort, role="mentor", capacity=2)
    for _ in range(7):
        ParticipantFactory(cohort=cohort, role="mentee")
    run = PairingRun.objects.for_org(org_a).create(organization=org_a, cohort=cohort, requested_by=manager,
                                                   mentee_count=7, in_background=True)
    worker = start_worker()

    worker.send(pairing_run_task, str(run.pk))
    worker.wait_until(lambda: not PairingRun.objects.for_org(org_a).get(pk=run.pk).is_open, "the run")

    run.refresh_from_db()
    assert (run.status, run.progress, run.pair_count, run.unmatched_count) == ("done", 100, 6, 1)
    assert Pair.objects.for_org(org_a).filter(cohort=cohort).count() == 6
