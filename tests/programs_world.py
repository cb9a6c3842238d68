"""Org-A program rows for the cross-tenant matrix (tests/test_tenancy_coverage.py):
a program with a cohort, a mentor and a mentee in it, a pairing run and its pair."""

from datetime import date
from types import SimpleNamespace

from mentoring import services_programs as svc
from mentoring.models_programs import Pair, Participant


def program_world(manager, mentor, mentee) -> SimpleNamespace:
    program = svc.program_create(actor=manager, name="Acmeprog Onboarding", min_shared_hours=0, first_cohort={
        "name": "Acmecohort", "starts_on": date(2026, 3, 2), "ends_on": date(2026, 4, 13)})
    cohort = program.cohorts.get()
    svc.participants_add(actor=manager, cohort=cohort, role="mentor", membership_ids=[mentor.pk])
    svc.participants_add(actor=manager, cohort=cohort, role="mentee", membership_ids=[mentee.pk])
    run = svc.pairing_run(actor=manager, cohort=cohort)
    pair = Pair.objects.for_org(manager.organization).get(cohort=cohort)
    participant = Participant.objects.for_org(manager.organization).get(cohort=cohort, membership=mentee)
    return SimpleNamespace(program=program, cohort=cohort, run=run, pair=pair, participant=participant,
                           markers=("Acmeprog", "Acmecohort", str(program.pk), str(cohort.pk), str(pair.pk)))
