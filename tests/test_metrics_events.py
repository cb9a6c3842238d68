"""Services of the metrics inputs: role events, ramp milestone definitions and milestones."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models import AuditEvent
from metrics import services_events as svc
from metrics.models import RampMilestone, RampMilestoneDefinition, RoleEvent
from metrics.selectors_events import latest_role_starts, org_today
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def audit_actions(org):
    return list(AuditEvent.objects.for_org(org).values_list("action", flat=True))


def test_manager_records_a_hire_and_it_is_audited(org_a, manager, mentee):
    event = svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 1, 6),
                                  title_after="  Backend   Engineer ", team_after="Payments")

    assert RoleEvent.objects.for_org(org_a).get() == event
    assert event.title_after == "Backend Engineer"
    assert audit_actions(org_a) == ["role_event.create"]


def test_hr_records_events_too_but_a_mentee_may_not(org_a, hr, mentee):
    svc.role_event_record(actor=hr, member=mentee, kind="hire", effective_on=date(2025, 1, 6))

    with pytest.raises(NotPermitted):
        svc.role_event_record(actor=mentee, member=mentee, kind="promotion", effective_on=date(2025, 6, 1),
                              title_after="Senior")


def test_tomorrow_is_allowed_but_the_day_after_is_refused(org_a, manager, mentee):
    tomorrow = org_today(org_a) + timedelta(days=1)
    svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=tomorrow)

    with pytest.raises(DomainError) as refused:
        svc.role_event_record(actor=manager, member=mentee, kind="promotion", effective_on=tomorrow + timedelta(1),
                              title_after="Senior")
    assert "effective_on" in refused.value.errors


def test_transfer_needs_a_new_team_or_title(manager, mentee):
    with pytest.raises(DomainError) as refused:
        svc.role_event_record(actor=manager, member=mentee, kind="transfer", effective_on=date(2025, 3, 3),
                              team_before="Payments", team_after="Payments")
    assert "team_after" in refused.value.errors

    moved = svc.role_event_record(actor=manager, member=mentee, kind="transfer", effective_on=date(2025, 3, 3),
                                  team_before="Payments", team_after="Search")
    assert moved.team_after == "Search"


def test_titles_and_teams_are_bounded(manager, mentee):
    with pytest.raises(DomainError) as refused:
        svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 3, 3),
                              title_after="x" * 121, team_after="y" * 81)
    assert set(refused.value.errors) == {"title_after", "team_after"}


def test_the_same_event_twice_on_one_day_is_a_conflict(manager, mentee):
    svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 3, 3))

    with pytest.raises(Conflict):
        svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 3, 3))


def test_a_person_of_another_org_is_refused(manager, outsider):
    with pytest.raises(DomainError) as refused:
        svc.role_event_record(actor=manager, member=outsider, kind="hire", effective_on=date(2025, 3, 3))
    assert "member" in refused.value.errors
    assert not RoleEvent.unscoped.exists()


def test_correcting_an_event_keeps_before_and_after_in_the_audit(org_a, manager, mentee):
    event = svc.role_event_record(actor=manager, member=mentee, kind="promotion", effective_on=date(2025, 3, 3),
                                  title_before="Engineer", title_after="Senior Engineer")

    svc.role_event_update(actor=manager, event=event, effective_on=date(2025, 4, 1))

    event.refresh_from_db()
    last = AuditEvent.objects.for_org(org_a).filter(action="role_event.update").get()
    assert event.effective_on == date(2025, 4, 1)
    assert (last.before["effective_on"], last.after["effective_on"]) == ("2025-03-03", "2025-04-01")


def test_correcting_into_a_duplicate_is_a_conflict(manager, mentee):
    svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 3, 3))
    other = svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 3, 10))

    with pytest.raises(Conflict):
        svc.role_event_update(actor=manager, event=other, effective_on=date(2025, 3, 3))


def test_deleting_an_event_is_audited(org_a, manager, mentee):
    event = svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 3, 3))

    svc.role_event_delete(actor=manager, event=event)

    assert not RoleEvent.objects.for_org(org_a).exists()
    assert "role_event.delete" in audit_actions(org_a)


def test_the_first_definition_is_active_and_a_new_active_one_replaces_it(org_a, manager):
    first = svc.ramp_definition_create(actor=manager, name="First change shipped")
    second = svc.ramp_definition_create(actor=manager, name="Signed off by manager")
    third = svc.ramp_definition_create(actor=manager, name="On call", is_active=True)

    active = list(RampMilestoneDefinition.objects.for_org(org_a).filter(is_active=True))
    assert (first.is_active, second.is_active) == (True, False)
    assert active == [third]


def test_activating_a_definition_deactivates_the_others(org_a, manager):
    first = svc.ramp_definition_create(actor=manager, name="First change shipped")
    second = svc.ramp_definition_create(actor=manager, name="Signed off by manager")

    svc.ramp_definition_update(actor=manager, definition=second, is_active=True)

    first.refresh_from_db()
    assert not first.is_active
    assert list(RampMilestoneDefinition.objects.for_org(org_a).filter(is_active=True)) == [second]


def test_definition_names_are_unique_per_org(manager, outsider):
    svc.ramp_definition_create(actor=manager, name="Shipped")
    svc.ramp_definition_create(actor=outsider, name="Shipped")  # another org may use the same name

    with pytest.raises(Conflict):
        svc.ramp_definition_create(actor=manager, name="Shipped")


def test_deleting_a_definition_deletes_its_milestones(org_a, manager, mentee):
    definition = svc.ramp_definition_create(actor=manager, name="Shipped")
    svc.ramp_milestone_record(actor=manager, member=mentee, definition=definition, reached_on=date(2025, 2, 1))

    assert svc.ramp_definition_delete(actor=manager, definition=definition) == 1
    assert not RampMilestone.objects.for_org(org_a).exists()


def test_a_milestone_before_the_latest_role_start_is_refused(org_a, manager, mentee):
    definition = svc.ramp_definition_create(actor=manager, name="Shipped")
    svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2024, 1, 8))
    svc.role_event_record(actor=manager, member=mentee, kind="transfer", effective_on=date(2025, 1, 6),
                          team_after="Search")

    with pytest.raises(DomainError) as refused:
        svc.ramp_milestone_record(actor=manager, member=mentee, definition=definition, reached_on=date(2024, 6, 1))
    on_start = svc.ramp_milestone_record(actor=manager, member=mentee, definition=definition,
                                         reached_on=date(2025, 1, 6))

    assert "reached_on" in refused.value.errors
    assert on_start.reached_on == date(2025, 1, 6)


def test_without_role_events_the_profile_role_start_is_the_start(org_a, manager):
    person = PersonFactory(organization=org_a, hire_date=date(2023, 5, 1), role_start_date=date(2024, 9, 2))
    hired_only = PersonFactory(organization=org_a, hire_date=date(2023, 5, 1))
    unknown = PersonFactory(organization=org_a)

    starts = latest_role_starts(org_a, [person.pk, hired_only.pk, unknown.pk])

    assert starts == {person.pk: date(2024, 9, 2), hired_only.pk: date(2023, 5, 1)}


def test_a_definition_of_another_org_is_refused(manager, mentee, outsider):
    foreign = svc.ramp_definition_create(actor=outsider, name="Shipped")

    with pytest.raises(DomainError) as refused:
        svc.ramp_milestone_record(actor=manager, member=mentee, definition=foreign, reached_on=date(2025, 1, 6))
    assert "definition" in refused.value.errors


def test_recording_and_deleting_milestones_is_audited(org_a, manager, mentee):
    definition = svc.ramp_definition_create(actor=manager, name="Shipped")
    milestone = svc.ramp_milestone_record(actor=manager, member=mentee, definition=definition,
                                          reached_on=date(2025, 1, 6))
    with pytest.raises(Conflict):
        svc.ramp_milestone_record(actor=manager, member=mentee, definition=definition, reached_on=date(2025, 1, 6))

    svc.ramp_milestone_delete(actor=manager, milestone=milestone)

    assert {"ramp_milestone.create", "ramp_milestone.delete"} <= set(audit_actions(org_a))
    assert not RampMilestone.objects.for_org(org_a).exists()


def test_an_inactive_keeper_is_refused(org_a, mentee):
    former = MembershipFactory(organization=org_a, is_manager=True, is_active=False)

    with pytest.raises(NotPermitted):
        svc.role_event_record(actor=former, member=mentee, kind="hire", effective_on=date(2025, 1, 6))
