"""The time-bank: network bookings spend, cancellations refund, logged
sessions earn, managers adjust with a reason; balances never go negative."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from mentoring.audit import Action
from mentoring.errors import DomainError, NotPermitted
from mentoring.models import AuditEvent, Program, TimeAccount, TimeEntry
from mentoring.services_timebank import timebank_adjust, timebank_balance
from sessions_app.models import MentoringSession
from sessions_app.services.booking import session_book, session_cancel, session_reschedule
from sessions_app.services.logging import NextStepDraft, session_log
from tests.factories import MembershipFactory
from tests.factories_programs import CohortFactory, PairFactory, ParticipantFactory, ProgramFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)  # Tue 1 Dec 2026
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def network(org_a):
    return ProgramFactory(organization=org_a, name="Guild", kind=Program.Kind.NETWORK)


def book(mentor, mentee, start, minutes=30, program=None):
    return session_book(actor=mentee, mentor=mentor, mentee=mentee, start=start, minutes=minutes, program=program,
                        now=NOW)


def entries(member):
    return list(TimeEntry.objects.for_org(member.organization).filter(membership=member)
                .order_by("created_at", "id").values_list("kind", "minutes", "balance_after"))


def log(session, minutes=25):
    return session_log(actor=session.mentor, session=session, actual_minutes=minutes, outcome_type="code_review",
                       next_steps=[NextStepDraft("Try it", session.mentee, date(2026, 12, 20))],
                       now=session.start + timedelta(minutes=1))


def test_a_network_booking_spends_the_mentees_minutes_in_the_same_transaction(mentor, mentee, network):
    session = book(mentor, mentee, at(8, 10), minutes=20, program=network)

    assert session.program == network
    assert entries(mentee) == [("grant", 60, 60), ("spend", -20, 40)]
    assert TimeEntry.objects.for_org(mentee.organization).get(kind="spend").session == session
    assert timebank_balance(mentee) == 40


def test_a_booking_outside_a_network_program_spends_nothing(mentor, mentee):
    session = book(mentor, mentee, at(8, 10))

    assert session.program is None
    assert entries(mentee) == []


def test_a_booking_the_balance_cannot_cover_is_refused_with_a_clear_message(org_a, mentor, mentee, network):
    org_a.timebank_starting_grant = 25
    org_a.save()

    with pytest.raises(DomainError) as refused:
        book(mentor, mentee, at(8, 10), minutes=30, program=network)

    assert refused.value.errors == {"minutes": [
        "Mina Mentee has 25 time-bank minutes; this 30-minute session needs 30. Give a session as a mentor to "
        "earn more, or ask a program manager."]}
    # Nothing of the refused booking remains, not even its spend.
    assert not MentoringSession.objects.for_org(org_a).exists()
    assert entries(mentee) == []


def test_cancelling_refunds_the_minutes_once(mentor, mentee, network):
    session = book(mentor, mentee, at(8, 10), minutes=15, program=network)

    session_cancel(actor=mentor, session=session, reason="Ill")

    assert entries(mentee) == [("grant", 60, 60), ("spend", -15, 45), ("refund", 15, 60)]


def test_logging_earns_the_mentor_the_logged_minutes(mentor, mentee, network):
    session = MentoringSession.objects.for_org(mentor.organization).create(
        organization=mentor.organization, mentor=mentor, mentee=mentee, start=NOW - timedelta(hours=1),
        end=NOW - timedelta(minutes=30), program=network)

    log(session, minutes=25)

    assert entries(mentor) == [("grant", 60, 60), ("earn", 25, 85)]
    assert TimeEntry.objects.for_org(mentor.organization).get(kind="earn").session == session


def test_an_entry_cannot_be_booked_twice_for_one_session(mentor, mentee, network):
    session = book(mentor, mentee, at(8, 10), minutes=15, program=network)
    account = TimeAccount.objects.for_org(mentee.organization).get(membership=mentee)

    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.for_org(mentee.organization).create(
            organization=mentee.organization, account=account, membership=mentee, kind="spend", minutes=-15,
            balance_after=30, session=session)


def test_the_database_refuses_a_negative_balance(mentee):
    account = TimeAccount.objects.for_org(mentee.organization).create(organization=mentee.organization,
                                                                     membership=mentee)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeAccount.objects.for_org(mentee.organization).filter(pk=account.pk).update(balance_minutes=-1)


def test_a_time_bank_session_keeps_its_length_when_moved(mentor, mentee, network):
    session = book(mentor, mentee, at(8, 10), minutes=30, program=network)

    with pytest.raises(DomainError, match="same length"):
        session_reschedule(actor=mentee, session=session, start=at(9, 10), minutes=15, now=NOW)
    moved = session_reschedule(actor=mentee, session=session, start=at(9, 10), now=NOW)

    assert moved.start == at(9, 10) and entries(mentee) == [("grant", 60, 60), ("spend", -30, 30)]


def test_a_pair_of_one_published_cohort_books_in_its_program(org_a, mentor, mentee):
    cohort = CohortFactory(program__organization=org_a, status="published")
    PairFactory(cohort=cohort, mentee=ParticipantFactory(cohort=cohort, membership=mentee),
                mentor=ParticipantFactory(cohort=cohort, membership=mentor, role="mentor"))

    session = book(mentor, mentee, at(8, 10))

    assert session.program == cohort.program
    assert entries(mentee) == []  # a cohort program is not paid from the time-bank


def test_a_program_of_another_org_is_refused(mentor, mentee, org_b):
    foreign = ProgramFactory(organization=org_b, kind=Program.Kind.NETWORK)

    with pytest.raises(DomainError, match="program of this organisation"):
        book(mentor, mentee, at(8, 10), program=foreign)


def test_a_manager_adjusts_a_balance_with_a_reason_and_an_audit_event(manager, mentee):
    entry = timebank_adjust(actor=manager, member=mentee, minutes=30, reason="Ran the onboarding clinic")

    assert (entry.kind, entry.minutes, entry.balance_after, entry.actor) == ("adjust", 30, 90, manager)
    event = AuditEvent.objects.for_org(manager.organization).get(action=Action.TIMEBANK_ADJUST)
    assert (event.before, event.after["balance_minutes"], event.target_id) == (
        {"balance_minutes": 60}, 90, str(mentee.pk))


def test_an_adjustment_cannot_take_a_balance_below_zero(manager, mentee):
    with pytest.raises(DomainError, match="cannot go below zero"):
        timebank_adjust(actor=manager, member=mentee, minutes=-61, reason="Typo")
    assert timebank_balance(mentee) == 60


def test_an_adjustment_needs_a_reason_and_minutes(manager, mentee):
    with pytest.raises(DomainError) as refused:
        timebank_adjust(actor=manager, member=mentee, minutes=0, reason=" ")
    assert set(refused.value.errors) == {"minutes", "reason"}


def test_only_managers_adjust(mentor, mentee):
    with pytest.raises(NotPermitted):
        timebank_adjust(actor=mentor, member=mentee, minutes=10, reason="Friendly")


def test_a_manager_cannot_adjust_a_member_of_another_org(manager, outsider):
    with pytest.raises(DomainError, match="member of Acme"):
        timebank_adjust(actor=manager, member=outsider, minutes=10, reason="Nope")


def test_a_zero_grant_policy_opens_accounts_at_zero(org_a, mentor, mentee, network):
    org_a.timebank_starting_grant = 0
    org_a.save()

    with pytest.raises(DomainError, match="has 0 time-bank minutes"):
        book(mentor, mentee, at(8, 10), minutes=15, program=network)

    helper = MembershipFactory(organization=org_a, is_mentor=True)
    assert timebank_balance(helper) == 0


def test_a_pair_in_two_programs_books_in_neither_unless_told(org_a, mentor, mentee):
    for _ in range(2):
        cohort = CohortFactory(program__organization=org_a, status="published")
        PairFactory(cohort=cohort, mentee=ParticipantFactory(cohort=cohort, membership=mentee),
                    mentor=ParticipantFactory(cohort=cohort, membership=mentor, role="mentor"))

    assert book(mentor, mentee, at(8, 10)).program is None
