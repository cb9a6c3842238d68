"""The trial_ending nudge: program managers hear about an external mentor's
paid trial ending within 7 days or its sessions used up, once per trial end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentoring import services_external as svc
from mentoring.selectors_external import org_today
from sessions_app.models import Notification, Nudge, NudgeKind, NudgePreference
from sessions_app.services.nudges import nudge_deliver, nudge_sweep, nudge_sweep_trial_ending
from tests.factories import MembershipFactory
from tests.factories_nudges import always_working
from tests.factories_sessions import MentoringSessionFactory


def external(manager, *, ends_in: int, trial_sessions: int = 3, name="Erna Expert"):
    expert = MembershipFactory(organization=manager.organization, is_mentor=True, is_external=True,
                               display_name=name)
    today = org_today(manager.organization)
    svc.external_terms_set(actor=manager, mentor=expert, hourly_rate="100", currency="EUR",
                           trial_sessions=trial_sessions, trial_starts_on=today - timedelta(days=20),
                           trial_ends_on=today + timedelta(days=ends_in), monthly_cap=8)
    return expert


def trial_nudges(org):
    return list(Nudge.objects.for_org(org).filter(kind=NudgeKind.TRIAL_ENDING).order_by("recipient_id", "period"))


@pytest.fixture
def managers(manager, org_a):
    second = MembershipFactory(organization=org_a, is_manager=True, display_name="Mona Second")
    for person in (manager, second):
        always_working(person)
    return [manager, second]


def test_a_trial_ending_within_seven_days_nudges_every_program_manager_once(managers, mentor, org_a):
    expert = external(managers[0], ends_in=5)

    for minutes in (0, 5, 10):
        nudge_sweep(org=org_a, now=timezone.now() + timedelta(minutes=minutes))

    found = trial_nudges(org_a)
    assert sorted(n.recipient_id for n in found) == sorted(m.pk for m in managers)
    assert {n.period for n in found} == {expert.external_terms.trial_ends_on.isoformat()}
    assert found[0].payload["mentor"] == "Erna Expert"


def test_a_trial_ending_later_is_not_flagged_yet(managers, org_a):
    external(managers[0], ends_in=8)

    assert nudge_sweep_trial_ending(org=org_a, now=timezone.now()) == 0
    assert trial_nudges(org_a) == []


def test_trial_sessions_used_up_are_flagged_separately(managers, mentee, org_a):
    expert = external(managers[0], ends_in=30, trial_sessions=1)
    MentoringSessionFactory(organization=org_a, mentor=expert, mentee=mentee, logged=True,
                            start=timezone.now().replace(second=0, microsecond=0) - timedelta(days=2))

    nudge_sweep_trial_ending(org=org_a, now=timezone.now())

    assert {n.period for n in trial_nudges(org_a)} == {f"{expert.external_terms.trial_ends_on.isoformat()}#used"}


def test_a_manager_who_unsubscribed_is_not_nudged(managers, org_a):
    NudgePreference.objects.for_org(org_a).create(organization=org_a, membership=managers[1],
                                                  kind=NudgeKind.TRIAL_ENDING, email=False, in_app=False)
    external(managers[0], ends_in=2)

    nudge_sweep_trial_ending(org=org_a, now=timezone.now())

    assert [n.recipient_id for n in trial_nudges(org_a)] == [managers[0].pk]


def test_delivery_writes_a_notification_linking_to_the_external_mentors_page(managers, org_a):
    external(managers[0], ends_in=3)
    nudge_sweep_trial_ending(org=org_a, now=timezone.now())
    nudge = next(n for n in trial_nudges(org_a) if n.recipient_id == managers[0].pk)

    assert nudge_deliver(nudge_id=nudge.pk, now=timezone.now() + timedelta(minutes=1)) == "sent"

    note = Notification.objects.for_org(org_a).get(nudge=nudge)
    assert note.title == "Trial ending: Erna Expert"
    assert note.link.startswith(f"/o/{org_a.slug}/external/#terms-")


def test_a_trial_extended_meanwhile_cancels_the_nudge(managers, org_a):
    expert = external(managers[0], ends_in=3)
    nudge_sweep_trial_ending(org=org_a, now=timezone.now())
    terms = expert.external_terms
    svc.external_terms_set(actor=managers[0], mentor=expert, hourly_rate="100", currency="EUR",
                           trial_sessions=3, trial_starts_on=terms.trial_starts_on,
                           trial_ends_on=terms.trial_ends_on + timedelta(days=30), monthly_cap=8)
    nudge = trial_nudges(org_a)[0]

    assert nudge_deliver(nudge_id=nudge.pk, now=timezone.now() + timedelta(minutes=1)) == "cancelled"
    nudge.refresh_from_db()
    assert nudge.last_error == "trial changed or over"


def test_the_sweep_runs_the_same_queries_for_one_or_twenty_trials(managers, org_a, org_b):
    def count(org, manager, how_many):
        for i in range(how_many):
            external(manager, ends_in=2, name=f"Expert {i}")
        with CaptureQueriesContext(connection) as queries:
            nudge_sweep_trial_ending(org=org, now=timezone.now())
        return len(queries)

    other = MembershipFactory(organization=org_b, is_manager=True)
    assert count(org_a, managers[0], 1) == count(org_b, other, 20)
    assert len(trial_nudges(org_b)) == 20
