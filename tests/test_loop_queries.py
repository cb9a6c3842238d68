"""Query counts of the loop's lists stay flat: 1 row or 20, the same queries
(pinned, so a new query per row or per page fails here first)."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessions_app.models import SessionNote
from tests.factories_sessions import KudosFactory, MentoringSessionFactory, NextStepFactory, SurveyResponseFactory

pytestmark = pytest.mark.django_db


_HOURS = itertools.count()  # future sessions an hour apart: never double-booked


def populate(org, mentor, mentee, rows: int) -> None:
    """``rows`` of everything a list shows: upcoming, waiting and logged
    sessions, open and done next steps, survey answers, kudos."""
    now = timezone.now().replace(second=0, microsecond=0)
    for _ in range(rows):
        future = now + timedelta(days=3, hours=next(_HOURS), minutes=-(now.minute % 5))
        MentoringSessionFactory(organization=org, mentor=mentor, mentee=mentee, start=future)
        MentoringSessionFactory(organization=org, mentor=mentor, mentee=mentee)  # waiting to be logged
        logged = MentoringSessionFactory(organization=org, mentor=mentor, mentee=mentee, logged=True)
        SessionNote.unscoped.create(organization=org, session=logged, text="notes")
        NextStepFactory(session=logged)
        NextStepFactory(session=logged, done_at=now)
        SurveyResponseFactory(session=logged, respondent=mentee)
        KudosFactory(organization=org, giver=mentee, receiver=mentor)


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


# Pages: 2 queries for the user and their memberships (this org's and the org switcher's; the
# session comes from the cache), then the lists.
# Each page includes one query for the unread-notifications badge in the navigation.
PAGES = [("mentee", "/o/acme/sessions/", 4), ("mentor", "/o/acme/sessions/", 4), ("mentee", "/o/acme/next-steps/", 4),
         ("mentor", "/o/acme/mentees/next-steps/", 4), ("manager", "/o/acme/next-steps/overview/", 5),
         ("manager", "/o/acme/agendas/", 5),
         # The home: my next steps (open and latest done in one), waiting to log with surveys due, kudos, pairs.
         ("mentee", "/o/acme/", 7), ("mentor", "/o/acme/", 7)]
# Endpoints: token and membership, then a count and a page.
ENDPOINTS = [("mentee", "/api/v1/orgs/acme/sessions/", 4), ("mentor", "/api/v1/orgs/acme/next-steps/", 4),
             ("mentee", "/api/v1/orgs/acme/kudos/", 4), ("mentee", "/api/v1/orgs/acme/next-steps/?status=open", 4)]


@pytest.mark.parametrize("who,path,expected", PAGES + ENDPOINTS)
def test_list_queries_do_not_grow_with_rows(who, path, expected, request, client_for, api_for, org_a, mentor,
                                            mentee, manager, django_assert_num_queries):
    person = request.getfixturevalue(who)
    client = client_for(person) if path.startswith("/o/") else api_for(person)
    populate(org_a, mentor, mentee, 1)
    client.get(path)  # warm-up: lazily created rows (default agendas), the token's last use
    one = queries(client, path)
    populate(org_a, mentor, mentee, 19)
    with django_assert_num_queries(expected):
        client.get(path)
    assert one == expected
