"""Nudges about programs, with hand-worked cases: a quiet mentee (no session in
14 days, two suggested slots bookable in one click), a stalled pair (21 days)
and a mentor carrying too much (over the weekly cap, or more than twice the
median of mentors' held sessions in 4 weeks)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

from django.core import mail
from django.utils import timezone as dj_timezone

from mentoring.models_programs import Cohort, Participant
from sessions_app.models import MentoringSession, Notification, Nudge, NudgeKind, NudgePreference, OrgNudgeSetting
from sessions_app.services.nudges import nudge_deliver, nudge_sweep
from sessions_app.services.nudges_programs import (nudge_sweep_mentor_load, nudge_sweep_quiet_mentees,
                                                   nudge_sweep_stalled_pairs, slot_token)
from tests.factories import MembershipFactory
from tests.factories_nudges import always_working
from tests.factories_programs import CohortFactory, PairFactory, ParticipantFactory
from tests.factories_sessions import MentoringSessionFactory

UTC = timezone.utc
TUESDAY_NOON = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)  # 12:00 in Berlin, a working hour
COHORT_START = date(2026, 3, 2)


def cohort_of(org, *, starts_on=COHORT_START, status=Cohort.Status.PUBLISHED, weeks=8, published_at=None) -> Cohort:
    published = published_at or datetime.combine(starts_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
    return CohortFactory(program__organization=org, starts_on=starts_on, ends_on=starts_on + timedelta(weeks=weeks),
                         status=status, published_at=published if status != Cohort.Status.DRAFT else None)


def pair_of(mentor, mentee, cohort=None):
    cohort = cohort or cohort_of(mentee.organization)
    mentor_there = Participant.unscoped.filter(cohort=cohort, membership=mentor).first() or \
        ParticipantFactory(cohort=cohort, membership=mentor, role="mentor")
    return PairFactory(cohort=cohort, mentee=ParticipantFactory(cohort=cohort, membership=mentee), mentor=mentor_there)


def met(mentor, mentee, start: datetime, **extra) -> MentoringSession:
    extra.setdefault("logged", True)
    return MentoringSessionFactory(organization=mentee.organization, mentor=mentor, mentee=mentee, start=start,
                                   **extra)


def nudges(org, kind) -> list[Nudge]:
    return list(Nudge.objects.for_org(org).filter(kind=kind).order_by("period", "recipient__display_name"))


# --- No session in 14 days ---------------------------------------------------------------------------

def test_a_mentee_quiet_for_14_days_gets_one_nudge_dated_from_their_last_session(org_a, mentor, mentee):
    pair = pair_of(mentor, mentee)
    met(mentor, mentee, datetime(2026, 3, 16, 10, 0, tzinfo=UTC))  # 15 days before

    for minutes in (0, 5, 10):
        nudge_sweep_quiet_mentees(org=org_a, now=TUESDAY_NOON + timedelta(minutes=minutes))

    (nudge,) = nudges(org_a, NudgeKind.NO_SESSION_14D)
    assert (nudge.recipient, nudge.subject_id, nudge.period) == (mentee, pair.pk, "2026-03-16")
    assert nudge.due_at == datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    assert nudge.payload["mentor"] == "Otto Mentor"


def test_a_session_in_the_last_14_days_or_one_booked_ahead_spares_the_mentee(org_a, mentor, mentee):
    booked_ahead = MembershipFactory(organization=org_a, is_mentee=True)
    cohort = cohort_of(org_a)
    pair_of(mentor, mentee, cohort)
    pair_of(mentor, booked_ahead, cohort)
    met(mentor, mentee, datetime(2026, 3, 20, 10, 0, tzinfo=UTC))  # 11 days before
    met(mentor, booked_ahead, datetime(2026, 4, 2, 10, 0, tzinfo=UTC), logged=False)  # none before, one ahead

    nudge_sweep_quiet_mentees(org=org_a, now=TUESDAY_NOON)

    assert nudges(org_a, NudgeKind.NO_SESSION_14D) == []


def test_a_cancelled_session_does_not_count_as_meeting(org_a, mentor, mentee):
    pair_of(mentor, mentee)
    met(mentor, mentee, datetime(2026, 3, 25, 10, 0, tzinfo=UTC), logged=False,
        status=MentoringSession.Status.CANCELLED)

    nudge_sweep_quiet_mentees(org=org_a, now=TUESDAY_NOON)

    # Never met: the quiet spell runs from the cohort's publication (2 March, 08:00 UTC).
    assert [n.period for n in nudges(org_a, NudgeKind.NO_SESSION_14D)] == ["2026-03-02"]


def test_draft_finished_or_two_week_young_cohorts_are_not_nudged(org_a, mentor):
    for cohort in (cohort_of(org_a, status=Cohort.Status.DRAFT),
                   cohort_of(org_a, starts_on=date(2026, 1, 5), weeks=6),  # ended 16 February
                   cohort_of(org_a, starts_on=date(2026, 3, 23))):  # 8 days old
        pair_of(mentor, MembershipFactory(organization=org_a, is_mentee=True), cohort)

    nudge_sweep_quiet_mentees(org=org_a, now=TUESDAY_NOON)

    assert nudges(org_a, NudgeKind.NO_SESSION_14D) == []


def test_after_meeting_again_a_new_quiet_spell_gives_a_new_nudge(org_a, mentor, mentee):
    pair_of(mentor, mentee)
    met(mentor, mentee, datetime(2026, 3, 16, 10, 0, tzinfo=UTC))
    nudge_sweep_quiet_mentees(org=org_a, now=TUESDAY_NOON)
    met(mentor, mentee, datetime(2026, 4, 1, 10, 0, tzinfo=UTC))

    nudge_sweep_quiet_mentees(org=org_a, now=datetime(2026, 4, 10, 10, 0, tzinfo=UTC))  # 9 days: not yet
    nudge_sweep_quiet_mentees(org=org_a, now=datetime(2026, 4, 16, 10, 0, tzinfo=UTC))  # 15 days

    assert [n.period for n in nudges(org_a, NudgeKind.NO_SESSION_14D)] == ["2026-03-16", "2026-04-01"]


def real_time_pair(mentor, mentee):
    """A pair of a cohort that started 20 days ago (real time: the slot engine looks ahead from now)."""
    today = dj_timezone.localdate()
    cohort = cohort_of(mentee.organization, starts_on=today - timedelta(days=20),
                       published_at=dj_timezone.now() - timedelta(days=20))
    always_working(mentor)
    always_working(mentee)
    return pair_of(mentor, mentee, cohort)


def test_the_quiet_mentee_gets_two_suggested_slots_each_bookable_with_one_post(org_a, mentor, mentee, client_for):
    real_time_pair(mentor, mentee)
    nudge_sweep_quiet_mentees(org=org_a, now=dj_timezone.now())
    (nudge,) = nudges(org_a, NudgeKind.NO_SESSION_14D)

    assert nudge_deliver(nudge_id=nudge.pk) == "sent"

    notification = Notification.objects.for_org(org_a).get(recipient=mentee)
    tokens = parse_qs(urlparse(notification.link).query)["slot"]
    (email,) = mail.outbox
    email_links = re.findall(r"Book .*?: (http\S+)", email.body)
    assert len(tokens) == 2 and len(email_links) == 2
    assert all("/o/acme/book/suggested/?slot=" in link for link in email_links)
    assert email_links[0] in email.alternatives[0][0]

    page = client_for(mentee).get(notification.link)
    assert page.status_code == 200 and len(page.context["slots"]) == 2
    chosen = page.context["slots"][1]
    booked = client_for(mentee).post("/o/acme/book/suggested/", {"slot": chosen["token"]})

    assert booked.status_code == 302
    session = MentoringSession.objects.for_org(org_a).get(mentor=mentor, mentee=mentee)
    assert (session.start, session.minutes) == (chosen["start"], 30)


def test_a_booked_session_cancels_the_pending_quiet_mentee_nudge(org_a, mentor, mentee):
    real_time_pair(mentor, mentee)
    nudge_sweep_quiet_mentees(org=org_a, now=dj_timezone.now())
    (nudge,) = nudges(org_a, NudgeKind.NO_SESSION_14D)
    met(mentor, mentee, dj_timezone.now().replace(second=0, microsecond=0) + timedelta(days=2), logged=False)

    assert nudge_deliver(nudge_id=nudge.pk) == "cancelled"
    assert Nudge.objects.for_org(org_a).get(pk=nudge.pk).last_error == "a session was booked"
    assert mail.outbox == []


def test_a_suggested_slot_is_bookable_only_by_its_two_people_and_not_when_forged(org_a, mentor, mentee, client_for):
    other = MembershipFactory(organization=org_a, is_mentee=True)
    start = (dj_timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    token = slot_token(mentor=mentor, mentee=mentee, start=start, minutes=30)

    stranger = client_for(other).post("/o/acme/book/suggested/", {"slot": token})
    forged = client_for(mentee).post("/o/acme/book/suggested/", {"slot": token[:-2] + "xx"})

    assert stranger.status_code == 404 and forged.status_code == 400
    assert "not valid any more" in forged.content.decode()
    assert not MentoringSession.objects.for_org(org_a).exists()


# --- Stalled pair ----------------------------------------------------------------------------------------

def test_a_pair_that_has_not_met_in_21_days_is_reported_to_every_manager(org_a, manager, mentor, mentee):
    second = MembershipFactory(organization=org_a, is_manager=True, display_name="Zora Manager")
    other_mentor = MembershipFactory(organization=org_a, is_mentor=True)
    pair = pair_of(mentor, mentee)
    met(mentor, mentee, datetime(2026, 3, 5, 10, 0, tzinfo=UTC))  # 26 days before
    met(other_mentor, mentee, datetime(2026, 3, 25, 10, 0, tzinfo=UTC))  # with someone else: not this pair

    nudge_sweep_stalled_pairs(org=org_a, now=TUESDAY_NOON)
    nudge_sweep_stalled_pairs(org=org_a, now=TUESDAY_NOON + timedelta(minutes=5))

    found = nudges(org_a, NudgeKind.STALLED_PAIR)
    assert [(n.recipient, n.subject_id, n.period) for n in found] == \
        [(manager, pair.pk, "2026-03-05"), (second, pair.pk, "2026-03-05")]
    assert found[0].due_at == datetime(2026, 3, 26, 10, 0, tzinfo=UTC)
    assert found[0].payload["mentee"] == "Mina Mentee"


def test_a_pair_that_met_20_days_ago_is_not_stalled(org_a, manager, mentor, mentee):
    pair_of(mentor, mentee)
    met(mentor, mentee, datetime(2026, 3, 11, 10, 0, tzinfo=UTC))

    nudge_sweep_stalled_pairs(org=org_a, now=TUESDAY_NOON)

    assert nudges(org_a, NudgeKind.STALLED_PAIR) == []


def test_a_manager_who_unsubscribed_from_stalled_pairs_hears_no_more(org_a, manager, mentor, mentee):
    second = MembershipFactory(organization=org_a, is_manager=True)
    NudgePreference.unscoped.create(organization=org_a, membership=manager, kind=NudgeKind.STALLED_PAIR,
                                    email=False, in_app=False)
    pair_of(mentor, mentee)

    nudge_sweep_stalled_pairs(org=org_a, now=TUESDAY_NOON)

    assert [n.recipient for n in nudges(org_a, NudgeKind.STALLED_PAIR)] == [second]


def test_switched_off_for_the_organisation_no_program_nudges_are_made(org_a, manager, mentor, mentee):
    for kind in (NudgeKind.NO_SESSION_14D, NudgeKind.STALLED_PAIR):
        OrgNudgeSetting.unscoped.create(organization=org_a, kind=kind, enabled=False)
    pair_of(mentor, mentee)

    counts = nudge_sweep(org=org_a, now=TUESDAY_NOON)

    assert (counts["no_session_14d"], counts["stalled_pair"]) == (0, 0)
    assert not Nudge.objects.for_org(org_a).filter(kind__in=["no_session_14d", "stalled_pair"]).exists()


# --- Mentor load -----------------------------------------------------------------------------------------

def held_sessions(mentor, count: int, *, last: datetime) -> None:
    mentee = MembershipFactory(organization=mentor.organization, is_mentee=True)
    for day in range(count):
        met(mentor, mentee, last - timedelta(days=day))


def test_a_mentor_with_more_than_twice_the_median_of_held_sessions_is_reported(org_a, manager):
    mentors = [MembershipFactory(organization=org_a, is_mentor=True, display_name=name)
               for name in ("Ann", "Bo", "Cy", "Dee")]
    for mentor, count in zip(mentors, (2, 3, 4, 9)):
        held_sessions(mentor, count, last=datetime(2026, 3, 29, 9, 0, tzinfo=UTC))
    # Five weeks ago: outside the 4 weeks (counted, Cy would have 8 > 2 × 3.5).
    held_sessions(mentors[2], 4, last=datetime(2026, 2, 25, 9, 0, tzinfo=UTC))

    nudge_sweep_mentor_load(org=org_a, now=TUESDAY_NOON)

    # Held in 4 weeks: 2, 3, 4, 9 -> median 3.5; only 9 > 7.
    (nudge,) = nudges(org_a, NudgeKind.MENTOR_LOAD)
    assert (nudge.recipient, nudge.subject_id, nudge.period) == (manager, mentors[3].pk, "2026-W14")
    assert (nudge.payload["held"], nudge.payload["median"]) == (9, 3.5)
    assert nudge.payload["reasons"] == ["9 sessions held in 4 weeks, more than 2× the median of 3.5"]


def test_a_mentor_over_the_weekly_cap_is_reported_once_that_week(org_a, manager, mentor):
    org_a.mentor_weekly_cap = 2
    org_a.save()
    mentee = MembershipFactory(organization=org_a, is_mentee=True)
    for day in (31, 1, 2):  # Tue 31 March, Wed 1 and Thu 2 April: one ISO week
        met(mentor, mentee, datetime(2026, 3 if day == 31 else 4, day, 14, 0, tzinfo=UTC), logged=False)

    nudge_sweep_mentor_load(org=org_a, now=TUESDAY_NOON)
    nudge_sweep_mentor_load(org=org_a, now=TUESDAY_NOON + timedelta(days=1))

    (nudge,) = nudges(org_a, NudgeKind.MENTOR_LOAD)
    assert nudge.payload["reasons"] == ["3 sessions this week, over the cap of 2"]


def test_a_mentor_at_the_cap_or_near_the_median_is_not_reported(org_a, manager, mentor):
    other = MembershipFactory(organization=org_a, is_mentor=True)
    held_sessions(mentor, 4, last=datetime(2026, 3, 29, 9, 0, tzinfo=UTC))
    held_sessions(other, 2, last=datetime(2026, 3, 29, 9, 0, tzinfo=UTC))  # median 3: 4 is not > 6

    nudge_sweep_mentor_load(org=org_a, now=TUESDAY_NOON)

    assert nudges(org_a, NudgeKind.MENTOR_LOAD) == []


def test_a_suggestion_of_one_org_books_nothing_under_another(org_a, mentor, mentee, outsider, client_for):
    start = (dj_timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    token = slot_token(mentor=mentor, mentee=mentee, start=start, minutes=30)

    response = client_for(outsider).post("/o/globex/book/suggested/", {"slot": token})

    assert response.status_code == 400 and "not valid any more" in response.content.decode()
    assert not MentoringSession.objects.for_org(org_a).exists()
