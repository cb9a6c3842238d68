"""``seed_demo``'s people events (metrics/demo.py): a hire for everyone, role
changes that match their profile, ramp milestones after the role start,
participants ramping somewhat faster; deterministic and idempotent."""

from __future__ import annotations

import statistics
from io import StringIO

import pytest
from django.core.management import call_command

from mentoring.models import Membership, Organization
from metrics import demo as metrics_demo
from metrics.models import RampMilestone, RoleEvent
from metrics.selectors_events import latest_role_starts
from sessions_app.models import MentoringSession

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def northwind():
    return Organization.objects.get(slug="northwind")


def fingerprint(org):
    return sorted(RoleEvent.objects.for_org(org).values_list("member__email", "kind", "effective_on", "title_before",
                                                              "title_after", "team_before", "team_after")) + \
        sorted(RampMilestone.objects.for_org(org).values_list("member__email", "definition__name", "reached_on"))


def test_every_employee_has_a_hire_and_their_latest_event_matches_their_profile():
    seed("--orgs", "1", "--people", "60", "--weeks", "2")
    org = northwind()
    employees = list(Membership.objects.for_org(org).filter(is_external=False))
    hires = set(RoleEvent.objects.for_org(org).filter(kind="hire").values_list("member_id", flat=True))
    latest = {}
    for event in RoleEvent.objects.for_org(org).order_by("effective_on"):
        latest[event.member_id] = event

    assert hires == {person.pk for person in employees}
    assert all((latest[p.pk].title_after, latest[p.pk].team_after) == (p.title, p.team) for p in employees)
    assert RoleEvent.objects.for_org(org).filter(kind__in=["transfer", "promotion"]).exists()


def test_milestones_come_on_or_after_the_latest_role_start_and_some_are_censored():
    seed("--orgs", "1", "--people", "60", "--weeks", "2")
    org = northwind()
    active = RampMilestone.objects.for_org(org).filter(definition__is_active=True)
    starts = latest_role_starts(org, Membership.objects.for_org(org).values_list("id", flat=True))

    assert active.exists()
    assert all(m.reached_on >= starts[m.member_id] for m in active)
    assert active.count() < len(starts)  # recent starters have not ramped yet


def test_participants_ramp_faster_than_the_others_on_a_larger_org():
    seed("--orgs", "1", "--people", "400", "--weeks", "4")
    org = northwind()
    participants = set(MentoringSession.objects.for_org(org).values_list("mentee_id", flat=True))
    starts = latest_role_starts(org, Membership.objects.for_org(org).values_list("id", flat=True))
    days = {True: [], False: []}
    for member_id, reached in RampMilestone.objects.for_org(org).filter(definition__is_active=True) \
            .values_list("member_id", "reached_on"):
        days[member_id in participants].append((reached - starts[member_id]).days)

    assert len(days[True]) >= 20 and len(days[False]) >= 20
    assert statistics.median(days[True]) < statistics.median(days[False])


def test_the_same_seed_gives_the_same_events_and_a_second_run_changes_nothing():
    seed("--orgs", "1", "--people", "40", "--weeks", "0", "--seed", "7")
    first = fingerprint(northwind())
    output = seed("--orgs", "1", "--people", "40", "--weeks", "0", "--seed", "7")

    RoleEvent.objects.for_org(northwind()).delete()
    RampMilestone.objects.for_org(northwind()).delete()
    metrics_demo.seed(slugs=["northwind"], seed=7)
    again = fingerprint(northwind())
    metrics_demo.seed(slugs=["northwind"], seed=8)  # left alone: it has events

    assert "has role events already" in output
    assert again == first
    assert fingerprint(northwind()) == first
