"""The session lists of the session page and the home come from one query each
(a UNION ALL of the lists' ids; a query per list where the database cannot
LIMIT the parts of a UNION, as SQLite for ``make run``): every list must hold
exactly the sessions, in the order and up to the limit, that its own definition gives."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sessions_app.models import MentoringSession
from sessions_app.selectors import loop
from tests.factories import MembershipFactory
from tests.factories_sessions import MentoringSessionFactory, SurveyResponseFactory

pytestmark = pytest.mark.django_db

BOOKED, DONE, CANCELLED = (MentoringSession.Status.BOOKED, MentoringSession.Status.DONE,
                           MentoringSession.Status.CANCELLED)


@pytest.fixture(params=["one query", "a query per list"])
def small_limits(request, monkeypatch):
    monkeypatch.setattr(loop, "LIST_LIMIT", 3)
    monkeypatch.setattr(loop, "DONE_SHOWN", 2)
    monkeypatch.setattr(loop, "SURVEYS_SHOWN", 2)
    if request.param == "a query per list":
        monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)


@pytest.fixture
def second_mentor(org_a):
    return MembershipFactory(organization=org_a, is_mentor=True, display_name="Sam Second")


@pytest.fixture
def history(org_a, mentor, mentee, second_mentor):
    """The mentee's sessions of every kind, hours apart, more of each than the small limits show,
    as mentee and (with the second mentor) alike; plus sessions of others."""
    now = timezone.now().replace(second=0, microsecond=0)
    now -= timedelta(minutes=now.minute % 5)
    made = []

    def session(hours, status=BOOKED, other=mentor):
        start = now + timedelta(hours=hours)
        made.append(MentoringSessionFactory(organization=org_a, mentor=other, mentee=mentee, start=start,
                                            status=status, logged=status == DONE))
        return made[-1]

    for hours in (-5, -50, -3, -70):  # ended, still booked: waiting to be logged
        session(hours)
    for hours in (30, 5, 70, 50):  # upcoming
        session(hours)
    session(-1 * 24 * 45, status=DONE)  # logged, too old to be recent
    for hours in (-30, -100, -10, -200):  # logged recently; two answered
        session(hours, status=DONE)
    SurveyResponseFactory(session=made[-1], respondent=mentee)
    SurveyResponseFactory(session=made[-3], respondent=mentee)
    session(-8, status=CANCELLED)
    session(-9, other=second_mentor)  # as mentee of another mentor: theirs too
    MentoringSessionFactory(organization=org_a, mentor=mentor, start=now - timedelta(hours=11))  # not theirs
    return now, made


def expected(sessions, keep, key, reverse, limit):
    return [s.pk for s in sorted((s for s in sessions if keep(s)), key=key, reverse=reverse)][:limit]


def pks(rows):
    return [s.pk for s in rows]


def test_the_session_page_lists_match_their_definitions(history, mentee, small_limits):
    now, mine = history
    lists = loop.sessions_overview(mentee, now=now)

    assert pks(lists["waiting"]) == expected(mine, lambda s: s.status == BOOKED and s.end <= now,
                                             lambda s: s.end, True, 3)
    assert pks(lists["upcoming"]) == expected(mine, lambda s: s.status == BOOKED and s.end > now,
                                              lambda s: s.start, False, 3)
    assert pks(lists["recent"]) == expected(mine, lambda s: s.status == DONE and s.start >= now - loop.RECENT,
                                            lambda s: s.start, True, 2)


def test_the_home_lists_match_their_definitions(history, mentee, small_limits):
    now, mine = history
    answered = {s.pk for s in mine if s.survey_responses.exists()}
    home = loop.home_loop(mentee, now=now)

    assert pks(home["waiting"]) == expected(mine, lambda s: s.status == BOOKED and s.end <= now,
                                            lambda s: s.end, True, 3)
    assert pks(home["surveys_due"]) == expected(
        mine, lambda s: s.status == DONE and s.start >= now - loop.RECENT and s.pk not in answered,
        lambda s: s.start, True, 2)
    assert pks(home["waiting"]) == pks(loop.waiting_to_log(mentee, now=now))
    assert pks(home["surveys_due"]) == pks(loop.surveys_due(mentee, now=now))
