"""Booking, rescheduling and cancelling: rules, caps, overlaps in any role,
and the database's own guard against double booking."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from mentoring.errors import Conflict, DomainError, NotPermitted
from sessions_app.models import AgendaTemplate, MentoringSession, TimeClaim
from sessions_app.services.booking import session_book, session_cancel, session_reschedule
from tests.factories import MembershipFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)  # Tue 1 Dec 2026
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(day: int, hour: int, minute: int = 0, tz=BERLIN) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=tz)


def book(actor, mentor, mentee, start, minutes=30, **kwargs):
    return session_book(actor=actor, mentor=mentor, mentee=mentee, start=start, minutes=minutes, now=NOW, **kwargs)


def claims_of(session):
    return TimeClaim.objects.for_org(session.organization).filter(session=session)


@pytest.fixture
def mentor_2(org_a):
    return MembershipFactory(organization=org_a, is_mentor=True, display_name="Tara Second")


@pytest.fixture
def mentor_3(org_a):
    return MembershipFactory(organization=org_a, is_mentor=True, display_name="Theo Third")


@pytest.fixture
def mentee_2(org_a):
    return MembershipFactory(organization=org_a, is_mentee=True, display_name="Nia Second")


# --- Happy path and permissions ----------------------------------------------------

def test_booking_creates_a_session_and_one_claim_per_participant(mentor, mentee):
    session = book(mentee, mentor, mentee, at(8, 10))

    assert session.status == MentoringSession.Status.BOOKED
    assert (session.start, session.end, session.minutes) == (at(8, 10), at(8, 10, 30), 30)
    assert session.booked_by == mentee
    assert sorted((c.membership_id, c.start, c.end, c.active) for c in claims_of(session)) == sorted(
        [(mentor.pk, at(8, 10), at(8, 10, 30), True), (mentee.pk, at(8, 10), at(8, 10, 30), True)])


def test_manager_can_book_for_a_pair(manager, mentor, mentee):
    assert book(manager, mentor, mentee, at(8, 10)).booked_by == manager


def test_a_third_member_cannot_book_for_others(mentor, mentee, mentee_2):
    with pytest.raises(NotPermitted):
        book(mentee_2, mentor, mentee, at(8, 10))


def test_a_mentor_from_another_org_cannot_be_booked(mentee, outsider):
    outsider.is_mentor = True
    outsider.save()

    with pytest.raises(DomainError) as error:
        book(mentee, outsider, mentee, at(8, 10))

    assert "mentor" in error.value.errors


def test_mentor_must_hold_the_mentor_role(mentee, mentee_2):
    with pytest.raises(DomainError) as error:
        book(mentee, mentee_2, mentee, at(8, 10))

    assert error.value.errors == {"mentor": ["Pick an active mentor of Acme."]}


def test_a_deactivated_mentee_cannot_be_booked(mentor, mentee):
    mentee.is_active = False
    mentee.save()

    with pytest.raises(DomainError) as error:
        book(mentor, mentor, mentee, at(8, 10))

    assert "mentee" in error.value.errors


def test_agenda_is_kept_on_the_session(mentor, mentee, org_a):
    agenda = AgendaTemplate.unscoped.create(organization=org_a, outcome_type="code_review", name="Code review",
                                            prompts="What changed?\nWhat worries you?")

    assert book(mentee, mentor, mentee, at(8, 10), agenda=agenda).agenda == agenda


# --- Minutes and start ------------------------------------------------------------

@pytest.mark.parametrize("minutes", [10, 35, 17, 60])
def test_minutes_outside_15_to_30_in_steps_of_5_are_refused(mentor, mentee, minutes):
    with pytest.raises(DomainError) as error:
        book(mentee, mentor, mentee, at(8, 10), minutes=minutes)

    assert error.value.errors == {"minutes": ["A session lasts 15, 20, 25 or 30 minutes."]}


def test_minutes_outside_the_org_policy_are_refused(mentor, mentee, org_a):
    org_a.session_max_minutes = 20
    org_a.save()

    with pytest.raises(DomainError) as error:
        book(mentee, mentor, mentee, at(8, 10), minutes=25)

    assert error.value.errors == {"minutes": ["Sessions in Acme last 15–20 minutes."]}


def test_a_start_in_the_past_is_refused(mentor, mentee):
    with pytest.raises(DomainError) as error:
        book(mentee, mentor, mentee, NOW - timedelta(hours=1))

    assert "start" in error.value.errors


def test_a_start_off_the_5_minute_grid_is_refused(mentor, mentee):
    with pytest.raises(DomainError) as error:
        book(mentee, mentor, mentee, at(8, 10, 7))

    assert error.value.errors == {"start": ["Sessions start on a multiple of 5 minutes (e.g. 10:05)."]}


def test_a_naive_start_is_refused(mentor, mentee):
    with pytest.raises(DomainError):
        book(mentee, mentor, mentee, datetime(2026, 12, 8, 10, 0))


# --- Overlaps ------------------------------------------------------------------------

def test_overlapping_booking_for_the_same_mentor_is_refused(mentor, mentee, mentee_2):
    book(mentee, mentor, mentee, at(8, 10))

    with pytest.raises(DomainError) as error:
        book(mentee_2, mentor, mentee_2, at(8, 10, 15), minutes=15)

    assert error.value.errors == {
        "start": ["Otto Mentor already has a session then: Tue 8 Dec, 10:00–10:30 (Europe/Berlin)."]}


def test_a_person_cannot_be_booked_twice_at_once_in_different_roles(org_a, mentor, mentee):
    # Mina is a mentee with Otto and, in another program, a mentor of Nia.
    mentee.is_mentor = True
    mentee.time_zone = "America/New_York"
    mentee.save()
    nia = MembershipFactory(organization=org_a, is_mentee=True, display_name="Nia Newcomer")
    book(mentee, mentor, mentee, at(8, 10))

    with pytest.raises(DomainError) as error:
        book(mentee, mentee, nia, at(8, 10, 20), minutes=15)

    # The clash is told in Mina's own zone.
    assert error.value.errors == {
        "start": ["Mina Mentee already has a session then: Tue 8 Dec, 04:00–04:30 (America/New_York)."]}


def test_back_to_back_sessions_are_allowed(mentor, mentee, mentee_2):
    book(mentee, mentor, mentee, at(8, 10))

    assert book(mentee_2, mentor, mentee_2, at(8, 10, 30)).start == at(8, 10, 30)


def test_a_cancelled_session_frees_its_time(mentor, mentee, mentee_2):
    first = book(mentee, mentor, mentee, at(8, 10))
    session_cancel(actor=mentee, session=first)

    assert book(mentee_2, mentor, mentee_2, at(8, 10)).start == at(8, 10)


def test_the_database_refuses_an_overlapping_active_claim(mentor, mentee, mentee_2):
    first = book(mentee, mentor, mentee, at(8, 10))
    other = MentoringSession.unscoped.create(organization=mentor.organization, mentor=mentor, mentee=mentee_2,
                                             start=at(8, 10, 15), end=at(8, 10, 45))

    with pytest.raises(IntegrityError, match="claim_no_overlap_per_person"), transaction.atomic():
        TimeClaim.unscoped.create(organization=first.organization, session=other, membership=mentor,
                                  start=other.start, end=other.end)


def test_the_database_allows_an_overlapping_inactive_claim(mentor, mentee, mentee_2):
    first = book(mentee, mentor, mentee, at(8, 10))
    other = MentoringSession.unscoped.create(organization=mentor.organization, mentor=mentor, mentee=mentee_2,
                                             start=at(8, 10, 15), end=at(8, 10, 45))

    claim = TimeClaim.unscoped.create(organization=first.organization, session=other, membership=mentor,
                                      start=other.start, end=other.end, active=False)

    assert claim.pk is not None


# --- Weekly caps --------------------------------------------------------------------------

def test_a_mentees_third_session_in_a_week_is_refused_across_mentors(mentor, mentor_2, mentor_3, mentee):
    book(mentee, mentor, mentee, at(8, 10))
    book(mentee, mentor_2, mentee, at(10, 14))

    with pytest.raises(DomainError) as error:
        book(mentee, mentor_3, mentee, at(12, 9))

    assert error.value.errors == {"start": ["Mina Mentee already has 2 sessions in the week of 7 Dec."]}


def test_the_next_week_has_a_fresh_cap(mentor, mentor_2, mentor_3, mentee):
    book(mentee, mentor, mentee, at(8, 10))
    book(mentee, mentor_2, mentee, at(10, 14))

    assert book(mentee, mentor_3, mentee, at(14, 9)).start == at(14, 9)


def test_cancelled_sessions_do_not_count_towards_the_cap(mentor, mentor_2, mentor_3, mentee):
    book(mentee, mentor, mentee, at(8, 10))
    session_cancel(actor=mentee, session=book(mentee, mentor_2, mentee, at(10, 14)))

    assert book(mentee, mentor_3, mentee, at(12, 9)).start == at(12, 9)


def test_sunday_late_evening_in_new_york_counts_in_that_iso_week(mentor, mentor_2, mentor_3, mentee):
    mentee.time_zone = "America/New_York"
    mentee.save()
    book(mentee, mentor, mentee, at(8, 10))
    book(mentee, mentor_2, mentee, at(10, 14))
    sunday_night = at(13, 23, 30, tz=NEW_YORK)  # already Monday 14 Dec in UTC and in Berlin

    with pytest.raises(DomainError) as error:
        book(mentee, mentor_3, mentee, sunday_night)

    assert error.value.errors == {"start": ["Mina Mentee already has 2 sessions in the week of 7 Dec."]}


def test_the_same_instant_is_next_week_for_a_mentee_in_berlin(mentor, mentor_2, mentor_3, mentee):
    book(mentee, mentor, mentee, at(8, 10))
    book(mentee, mentor_2, mentee, at(10, 14))
    sunday_night_in_new_york = at(13, 23, 30, tz=NEW_YORK)

    assert book(mentee, mentor_3, mentee, sunday_night_in_new_york).start == sunday_night_in_new_york


def test_a_cap_of_one_says_one_session(mentor, mentor_2, mentee, org_a):
    org_a.mentee_weekly_cap = 1
    org_a.save()
    book(mentee, mentor, mentee, at(8, 10))

    with pytest.raises(DomainError) as error:
        book(mentee, mentor_2, mentee, at(9, 10))

    assert error.value.first_message == "Mina Mentee already has 1 session in the week of 7 Dec."


def test_a_mentors_weekly_cap_is_enforced(org_a, mentor, mentee, mentee_2):
    org_a.mentor_weekly_cap = 1
    org_a.save()
    book(mentee, mentor, mentee, at(8, 10))

    with pytest.raises(DomainError) as error:
        book(mentee_2, mentor, mentee_2, at(9, 10))

    assert error.value.first_message == "Otto Mentor already has 1 session as a mentor in the week of 7 Dec."


# --- Reschedule and cancel ----------------------------------------------------------------

def test_rescheduling_moves_the_session_and_its_claims_and_bumps_the_sequence(mentor, mentee):
    session = book(mentee, mentor, mentee, at(8, 10))

    moved = session_reschedule(actor=mentor, session=session, start=at(9, 15), minutes=20, now=NOW)

    assert (moved.start, moved.end, moved.sequence) == (at(9, 15), at(9, 15, 20), 1)
    assert {(c.start, c.end) for c in claims_of(moved)} == {(at(9, 15), at(9, 15, 20))}


def test_rescheduling_within_the_same_week_does_not_count_the_session_twice(mentor, mentor_2, mentee):
    book(mentee, mentor, mentee, at(8, 10))
    second = book(mentee, mentor_2, mentee, at(10, 14))

    assert session_reschedule(actor=mentee, session=second, start=at(11, 9), now=NOW).start == at(11, 9)


def test_rescheduling_into_a_full_week_is_refused(mentor, mentor_2, mentor_3, mentee):
    book(mentee, mentor, mentee, at(8, 10))
    book(mentee, mentor_2, mentee, at(10, 14))
    later = book(mentee, mentor_3, mentee, at(15, 9))

    with pytest.raises(DomainError) as error:
        session_reschedule(actor=mentee, session=later, start=at(11, 9), now=NOW)

    assert error.value.first_message == "Mina Mentee already has 2 sessions in the week of 7 Dec."


def test_rescheduling_may_overlap_the_sessions_own_old_time(mentor, mentee):
    session = book(mentee, mentor, mentee, at(8, 10))

    assert session_reschedule(actor=mentee, session=session, start=at(8, 10, 15), now=NOW).start == at(8, 10, 15)


def test_rescheduling_onto_another_session_is_refused(mentor, mentee, mentee_2):
    book(mentee, mentor, mentee, at(8, 10))
    other = book(mentee_2, mentor, mentee_2, at(8, 11))

    with pytest.raises(DomainError, match="Otto Mentor already has a session then"):
        session_reschedule(actor=mentee_2, session=other, start=at(8, 10, 15), now=NOW)


def test_cancel_marks_the_session_cancelled_and_releases_the_claims(mentor, mentee):
    session = book(mentee, mentor, mentee, at(8, 10))

    cancelled = session_cancel(actor=mentor, session=session, reason="Sick today")

    assert (cancelled.status, cancelled.sequence, cancelled.cancel_reason) == ("cancelled", 1, "Sick today")
    assert [c.active for c in claims_of(cancelled)] == [False, False]


def test_a_non_participant_cannot_cancel(mentor, mentee, mentee_2):
    session = book(mentee, mentor, mentee, at(8, 10))

    with pytest.raises(NotPermitted):
        session_cancel(actor=mentee_2, session=session)


def test_an_outsider_cannot_cancel_even_as_a_manager_elsewhere(mentor, mentee, outsider):
    session = book(mentee, mentor, mentee, at(8, 10))

    with pytest.raises(NotPermitted):
        session_cancel(actor=outsider, session=session)


def test_a_manager_can_cancel(manager, mentor, mentee):
    session = book(mentee, mentor, mentee, at(8, 10))

    assert session_cancel(actor=manager, session=session).status == "cancelled"


def test_cancelling_twice_is_a_conflict(mentor, mentee):
    session = book(mentee, mentor, mentee, at(8, 10))
    session_cancel(actor=mentee, session=session)

    with pytest.raises(Conflict, match="already cancelled"):
        session_cancel(actor=mentee, session=session)


def test_rescheduling_a_cancelled_session_is_a_conflict(mentor, mentee):
    session = book(mentee, mentor, mentee, at(8, 10))
    session_cancel(actor=mentee, session=session)

    with pytest.raises(Conflict):
        session_reschedule(actor=mentee, session=session, start=at(9, 10), now=NOW)


def test_a_logged_session_cannot_be_cancelled(mentor, mentee):
    session = book(mentee, mentor, mentee, at(8, 10))
    MentoringSession.objects.for_org(session.organization).filter(pk=session.pk).update(
        status=MentoringSession.Status.DONE, actual_minutes=30)

    with pytest.raises(Conflict, match="already logged"):
        session_cancel(actor=mentee, session=session)
