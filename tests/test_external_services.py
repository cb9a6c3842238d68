"""External mentors: template, terms, agreements and acceptance, the booking
guard (agreement, monthly cap), the monthly statement (hand-worked money) and
its audited export; publish notifications and participants' own goals."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from mentoring import selectors_external as sel
from mentoring import services_external as svc
from mentoring import services_programs as programs
from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models import AuditEvent
from mentoring.models_programs import Participant
from sessions_app.models import MentoringSession, Notification
from sessions_app.services.booking import session_book, session_reschedule
from tests.factories import MembershipFactory
from tests.factories_sessions import MentoringSessionFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def expert(org_a):
    return MembershipFactory(organization=org_a, is_mentor=True, is_external=True, display_name="Erna Expert",
                             user__email="erna@acme.test")


def set_terms(manager, expert, **changes):
    terms = {"hourly_rate": "120.00", "currency": "eur", "trial_sessions": 2, "trial_starts_on": date(2026, 11, 1),
             "trial_ends_on": date(2026, 12, 31), "monthly_cap": 3, **changes}
    return svc.external_terms_set(actor=manager, mentor=expert, **terms)


def book(actor, mentor, mentee, day, hour=10):
    return session_book(actor=actor, mentor=mentor, mentee=mentee, start=datetime(2026, 12, day, hour, tzinfo=BERLIN),
                        minutes=30, now=NOW)


def logged(org, expert, mentee, start, minutes):
    return MentoringSessionFactory(organization=org, mentor=expert, mentee=mentee, logged=True, start=start,
                                   end=start + timedelta(minutes=30), actual_minutes=minutes)


# --- Template and agreements -------------------------------------------------------------------

def test_the_agreement_is_rendered_from_the_template_with_the_terms(manager, expert):
    svc.agreement_template_update(actor=manager, body="Dear {mentor}: {rate} {currency}/h, trial {trial_sessions} "
                                                      "sessions until {trial_ends}, cap {cap}.")
    agreement = set_terms(manager, expert)

    assert agreement.body == "Dear Erna Expert: 120.00 EUR/h, trial 2 sessions until 31 December 2026, cap 3."
    assert (agreement.number, agreement.template_version, agreement.status) == (1, 1, "pending")
    assert agreement.terms["hourly_rate"] == "120.00" and agreement.terms["currency"] == "EUR"


def test_unknown_or_attribute_placeholders_are_refused(manager):
    with pytest.raises(DomainError) as error:
        svc.agreement_template_update(actor=manager, body="Hi {mentor.__class__} and {salary}")

    assert "{salary}" in error.value.first_message


def test_a_later_template_edit_does_not_change_a_generated_agreement(manager, expert):
    svc.agreement_template_update(actor=manager, body="Version one for {mentor}")
    agreement = set_terms(manager, expert)
    svc.agreement_template_update(actor=manager, body="Version two for {mentor}")

    agreement.refresh_from_db()
    assert agreement.body == "Version one for Erna Expert" and agreement.template_version == 1


def test_new_terms_supersede_the_current_agreement_and_need_a_new_acceptance(manager, expert):
    first = set_terms(manager, expert)
    svc.agreement_accept(actor=expert, agreement=first)
    second = set_terms(manager, expert, hourly_rate="130.00")

    first.refresh_from_db()
    assert first.status == "accepted" and first.superseded_at is not None
    assert second.number == 2 and second.status == "pending"
    with pytest.raises(Conflict):
        svc.agreement_accept(actor=expert, agreement=first)


def test_only_the_named_mentor_accepts_and_it_records_when_and_who(manager, expert, mentor):
    agreement = set_terms(manager, expert)
    with pytest.raises(NotPermitted):
        svc.agreement_accept(actor=manager, agreement=agreement)

    svc.agreement_accept(actor=expert, agreement=agreement, now=NOW)

    agreement.refresh_from_db()
    assert (agreement.accepted_at, agreement.accepted_by) == (NOW, expert)
    event = AuditEvent.objects.for_org(expert.organization).get(action="agreement.accept")
    assert event.actor_membership == expert


def test_setting_terms_notifies_the_mentor_audits_and_syncs_the_profile_rate(manager, expert):
    set_terms(manager, expert, hourly_rate="99.50")

    expert.refresh_from_db()
    note = Notification.objects.for_org(expert.organization).get(recipient=expert)
    event = AuditEvent.objects.for_org(expert.organization).get(action="external_terms.set")
    assert (expert.hourly_rate, expert.currency) == (Decimal("99.50"), "EUR")
    assert note.link == f"/o/{expert.organization.slug}/my/agreement/"
    assert event.before is None and event.after["hourly_rate"] == "99.50"


def test_terms_are_only_for_external_people_and_only_managers_set_them(manager, mentor, expert):
    with pytest.raises(DomainError):
        set_terms(manager, mentor)
    with pytest.raises(NotPermitted):
        set_terms(expert, expert)


def test_a_trial_that_ends_before_it_starts_is_refused(manager, expert):
    with pytest.raises(DomainError) as error:
        set_terms(manager, expert, trial_starts_on=date(2026, 12, 1), trial_ends_on=date(2026, 11, 1))

    assert error.value.errors.keys() == {"trial_ends_on"}


# --- Booking guard ----------------------------------------------------------------------------------

def test_an_external_mentor_without_terms_cannot_be_booked(mentee, expert):
    with pytest.raises(DomainError) as error:
        book(mentee, expert, mentee, 8)

    assert "without agreed terms" in error.value.first_message


def test_booking_is_refused_until_the_agreement_is_accepted(manager, mentee, expert):
    agreement = set_terms(manager, expert)
    with pytest.raises(DomainError) as error:
        book(mentee, expert, mentee, 8)
    assert "has not accepted their engagement agreement" in error.value.first_message

    svc.agreement_accept(actor=expert, agreement=agreement)
    session = book(mentee, expert, mentee, 8)

    assert session.mentor == expert


def test_bookings_beyond_the_monthly_cap_are_refused_in_that_month_only(manager, mentee, expert, org_a):
    org_a.time_zone = "Europe/Berlin"
    org_a.save()
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert, monthly_cap=2))
    others = [MembershipFactory(organization=org_a, is_mentee=True) for _ in range(3)]
    book(others[0], expert, others[0], 8)
    book(others[1], expert, others[1], 15)

    with pytest.raises(DomainError) as error:
        book(others[2], expert, others[2], 22)
    january = session_book(actor=others[2], mentor=expert, mentee=others[2], minutes=30, now=NOW,
                           start=datetime(2027, 1, 5, 10, tzinfo=BERLIN))

    assert "monthly cap" in error.value.first_message and "December 2026" in error.value.first_message
    assert january.start.month == 1


def test_moving_a_session_into_a_full_month_is_refused_but_within_its_month_is_fine(manager, mentee, expert):
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert, monthly_cap=1))
    december = book(mentee, expert, mentee, 8)
    january = session_book(actor=mentee, mentor=expert, mentee=mentee, minutes=30, now=NOW,
                           start=datetime(2027, 1, 5, 10, tzinfo=BERLIN))

    moved = session_reschedule(actor=mentee, session=december, start=datetime(2026, 12, 9, 10, tzinfo=BERLIN),
                               now=NOW)
    with pytest.raises(DomainError) as error:
        session_reschedule(actor=mentee, session=january, start=datetime(2026, 12, 10, 10, tzinfo=BERLIN), now=NOW)

    assert moved.start.day == 9
    assert "monthly cap" in error.value.first_message


def test_a_cancelled_session_frees_its_place_under_the_cap(manager, mentee, expert):
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert, monthly_cap=1))
    first = book(mentee, expert, mentee, 8)
    MentoringSession.objects.for_org(expert.organization).filter(pk=first.pk).update(status="cancelled")

    assert book(mentee, expert, mentee, 9).pk != first.pk


def test_internal_mentors_are_not_affected(mentee, mentor):
    assert book(mentee, mentor, mentee, 8).mentor == mentor


# --- Statement ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "minutes", "amount"), [
    ("120.00", 25, "50.00"),    # 25/60 × 120 = 50 exactly
    ("125.00", 25, "52.08"),    # 52.0833… -> 52.08
    ("0.50", 15, "0.13"),       # 0.125 -> half-up 0.13 (banker's rounding would give 0.12)
    ("100.10", 15, "25.03"),    # 25.025 -> half-up 25.03 (banker's: 25.02)
    ("99.99", 20, "33.33"),     # 33.33
])
def test_a_line_is_minutes_times_the_hourly_rate_rounded_half_up_to_cents(manager, mentee, expert, rate, minutes,
                                                                           amount):
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert, hourly_rate=rate),
                         now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    logged(expert.organization, expert, mentee, datetime(2026, 11, 10, 9, tzinfo=timezone.utc), minutes)

    statement = sel.compensation_statement(expert.organization, expert, date(2026, 11, 1))

    assert [str(line.amount) for line in statement.lines] == [amount]
    assert statement.totals == {"EUR": Decimal(amount)}


def test_the_statement_adds_the_rounded_lines_marks_trial_sessions_and_skips_other_months(
        manager, mentee, expert, mentor):
    org = expert.organization
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert, hourly_rate="100.10", trial_sessions=2,
                                                           trial_starts_on=date(2026, 10, 20)),
                         now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    # Trial: the first two logged sessions from 20 October, the first of them in October.
    logged(org, expert, mentee, datetime(2026, 10, 25, 9, tzinfo=timezone.utc), 30)
    logged(org, expert, mentee, datetime(2026, 11, 2, 9, tzinfo=timezone.utc), 15)    # 25.025 -> 25.03, trial
    logged(org, expert, mentee, datetime(2026, 11, 9, 9, tzinfo=timezone.utc), 15)    # 25.03, not trial
    logged(org, expert, mentee, datetime(2026, 11, 16, 9, tzinfo=timezone.utc), 20)   # 33.3666… -> 33.37
    MentoringSessionFactory(organization=org, mentor=expert, mentee=mentee,          # booked, never logged
                            start=datetime(2026, 11, 20, 9, tzinfo=timezone.utc))
    logged(org, mentor, mentee, datetime(2026, 11, 3, 9, tzinfo=timezone.utc), 30)   # someone else's

    statement = sel.compensation_statement(org, expert, date(2026, 11, 1))

    assert [(line.minutes, str(line.amount), line.trial) for line in statement.lines] == [
        (15, "25.03", True), (15, "25.03", False), (20, "33.37", False)]
    # Sum of the rounded lines (83.43), not the rounded sum of 83.4166… (83.42).
    assert statement.totals == {"EUR": Decimal("83.43")}
    assert (statement.minutes, statement.trial_count) == (50, 1)


def test_months_follow_the_org_time_zone(manager, mentee, expert, org_a):
    org_a.time_zone = "Europe/Berlin"
    org_a.save()
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert),
                         now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    # 23:30 UTC on 30 November is 00:30 on 1 December in Berlin.
    logged(org_a, expert, mentee, datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc), 30)

    november = sel.compensation_statement(org_a, expert, date(2026, 11, 1))
    december = sel.compensation_statement(org_a, expert, date(2026, 12, 1))

    assert (len(november.lines), len(december.lines)) == (0, 1)


def test_each_session_is_paid_at_the_rate_of_the_agreement_in_force_then(manager, mentee, expert):
    org = expert.organization
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert, hourly_rate="60.00"),
                         now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    logged(org, expert, mentee, datetime(2026, 11, 5, 9, tzinfo=timezone.utc), 30)
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert, hourly_rate="90.00"),
                         now=datetime(2026, 11, 10, tzinfo=timezone.utc))
    logged(org, expert, mentee, datetime(2026, 11, 12, 9, tzinfo=timezone.utc), 30)

    statement = sel.compensation_statement(org, expert, date(2026, 11, 1))

    assert [str(line.amount) for line in statement.lines] == ["30.00", "45.00"]
    assert statement.totals == {"EUR": Decimal("75.00")}


def test_the_csv_export_is_audited_and_only_for_managers_and_the_mentor(manager, mentee, expert, mentor):
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert, hourly_rate="125.00"),
                         now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    logged(expert.organization, expert, mentee, datetime(2026, 11, 10, 9, tzinfo=timezone.utc), 25)

    body = svc.compensation_export(actor=expert, mentor=expert, month=date(2026, 11, 1))
    with pytest.raises(NotPermitted):
        svc.compensation_export(actor=mentor, mentor=expert, month=date(2026, 11, 1))

    lines = body.strip().splitlines()
    assert lines[0].startswith("session,date,start,mentee,minutes,hourly_rate,currency,amount,trial")
    assert lines[1].endswith(",Mina Mentee,25,125.00,EUR,52.08,yes")
    assert lines[2] == "total,2026-11,,,25,,EUR,52.08,1 trial"
    event = AuditEvent.objects.for_org(expert.organization).get(action="compensation.export")
    assert event.after["month"] == "2026-11" and event.after["totals"] == {"EUR": "52.08"}


def test_trial_state_flags_ending_soon_ended_and_used_up(manager, expert):
    set_terms(manager, expert, trial_sessions=2, trial_ends_on=date(2026, 12, 31))
    terms = expert.external_terms

    assert sel.trial_state(terms, 0, date(2026, 12, 24)).ending_soon
    assert not sel.trial_state(terms, 0, date(2026, 12, 23)).ending_soon
    assert sel.trial_state(terms, 0, date(2027, 1, 1)).ended
    assert sel.trial_state(terms, 2, date(2026, 12, 1)).used_up


# --- Publish notifies in-app; participants edit their own goals ---------------------------------------------

@pytest.fixture
def published_world(manager, mentor, mentee, org_a):
    second = MembershipFactory(organization=org_a, is_mentee=True, display_name="Nils Second")
    program = programs.program_create(actor=manager, name="Onboarding", min_shared_hours=0, first_cohort={
        "name": "Spring", "starts_on": date(2026, 3, 2), "ends_on": date(2026, 4, 13)})
    cohort = program.cohorts.get()
    programs.participants_add(actor=manager, cohort=cohort, role="mentor", membership_ids=[mentor.pk])
    programs.participants_add(actor=manager, cohort=cohort, role="mentee", membership_ids=[mentee.pk, second.pk])
    programs.pairing_run(actor=manager, cohort=cohort)
    return cohort, second


def test_publishing_notifies_each_mentee_and_mentor_exactly_once(manager, mentor, mentee, published_world):
    cohort, second = published_world
    programs.cohort_publish(actor=manager, cohort=cohort)

    notes = Notification.objects.for_org(cohort.organization).order_by("title")
    by_person = {n.recipient_id: n for n in notes}
    assert sorted(n.recipient_id for n in notes) == sorted([mentor.pk, mentee.pk, second.pk])
    assert by_person[mentee.pk].title == "Your mentor: Otto Mentor"
    assert "Mina Mentee, Nils Second" in by_person[mentor.pk].body
    assert by_person[mentee.pk].link == f"/o/{cohort.organization.slug}/#my-pairing"


def test_a_refused_publish_notifies_nobody(manager, published_world):
    cohort, _ = published_world
    programs.cohort_publish(actor=manager, cohort=cohort)
    with pytest.raises(Conflict):
        programs.cohort_publish(actor=manager, cohort=cohort)

    assert Notification.objects.for_org(cohort.organization).count() == 3


def test_a_participant_edits_their_own_goals_but_not_another_s(mentee, published_world, mentor):
    cohort, second = published_world
    mine = Participant.objects.for_org(cohort.organization).get(cohort=cohort, membership=mentee)
    theirs = Participant.objects.for_org(cohort.organization).get(cohort=cohort, membership=second)

    programs.participant_update(actor=mentee, participant=mine, goals="Lead a design review",
                                goal_skills=["System design"])
    with pytest.raises(NotPermitted):
        programs.participant_update(actor=mentee, participant=theirs, goals="Hijacked")

    mine.refresh_from_db()
    assert mine.goals == "Lead a design review"
    assert [s.name for s in mine.goal_skills.all()] == ["System design"]
