"""Queries: SQL queries per hot page and endpoint at 1 row and at 50 rows.

In process, with Django's test client, against the bench database inside one
transaction that is rolled back: a scratch org gets a manager, a mentor, a
mentee and an HR viewer, then rows of everything the lists show (sessions
upcoming, waiting and logged, notes, open and done next steps, surveys, kudos,
people with a skill and a work item). value = queries at 50 rows, baseline =
queries at 1 row; the goal is ratio 1.0 (the count does not grow with rows).
The same flatness is asserted in the test suite (tests/test_loop_queries.py).
"""

from __future__ import annotations

import itertools
import logging
import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from .common import figure, missing

SMALL, LARGE = 1, 50
# (figure, who, path); {slug}, {mentor}, {mentee} are filled in. Pages and API lists the users feel.
ENDPOINTS = [
    ("mentee_home", "mentee", "/o/{slug}/"),
    ("mentor_home", "mentor", "/o/{slug}/"),
    ("manager_home", "manager", "/o/{slug}/"),
    ("mentor_sessions", "mentor", "/o/{slug}/sessions/"),
    ("mentee_next_steps", "mentee", "/o/{slug}/next-steps/"),
    ("mentor_mentees_next_steps", "mentor", "/o/{slug}/mentees/next-steps/"),
    ("people_page", "manager", "/o/{slug}/people/"),
    ("next_steps_api", "mentee", "/api/v1/orgs/{slug}/next-steps/"),
    ("sessions_api", "mentor", "/api/v1/orgs/{slug}/sessions/"),
    ("slots_api", "mentee", "/api/v1/orgs/{slug}/slots/?mentor={mentor}&mentee={mentee}&minutes=30"),
    ("people_api", "manager", "/api/v1/orgs/{slug}/people/"),
    ("kudos_api", "mentee", "/api/v1/orgs/{slug}/kudos/"),
]
# Issue 6 will add the HR dashboard API; the first path answering 200 is measured.
# The real one (issue 6) first; the others are kept for older checkouts.
HR_DASHBOARD_PATHS = ["/api/v1/orgs/{slug}/metrics/dashboard/", "/api/v1/orgs/{slug}/dashboard/",
                      "/api/v1/orgs/{slug}/dashboards/overview/", "/api/v1/orgs/{slug}/metrics/overview/"]


def _populate(org, mentor, mentee, rows: int, hours) -> None:
    from mentoring.models import Skill, WorkItem
    from sessions_app.models import SessionNote
    from tests.factories import PersonFactory
    from tests.factories_sessions import (KudosFactory, MentoringSessionFactory, NextStepFactory,
                                          SurveyResponseFactory)

    now = timezone.now().replace(second=0, microsecond=0)
    for _ in range(rows):
        upcoming = now + timedelta(days=1, hours=next(hours), minutes=-(now.minute % 5))
        MentoringSessionFactory(organization=org, mentor=mentor, mentee=mentee, start=upcoming)
        MentoringSessionFactory(organization=org, mentor=mentor, mentee=mentee)  # waiting to be logged
        logged = MentoringSessionFactory(organization=org, mentor=mentor, mentee=mentee, logged=True)
        SessionNote.unscoped.create(organization=org, session=logged, text="notes")
        NextStepFactory(session=logged)
        NextStepFactory(session=logged, done_at=now)
        SurveyResponseFactory(session=logged, respondent=mentee)
        KudosFactory(organization=org, giver=mentee, receiver=mentor, session=logged)
        person = PersonFactory(organization=org, is_mentee=True)
        slug = f"skill-{uuid.uuid4().hex[:8]}"
        person.skills.add(Skill.unscoped.create(organization=org, slug=slug, name=slug))
        WorkItem.unscoped.create(organization=org, membership=person, name=f"Project {slug}")


def _count(client, path) -> tuple[int | None, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return (len(captured) if response.status_code == 200 else None), response.status_code


def _measure(ctx) -> list[dict]:
    from mentoring.services import token_issue
    from tests.factories import MembershipFactory, OrganizationFactory

    org = OrganizationFactory(slug=f"bench-q-{uuid.uuid4().hex[:8]}", name="Bench queries", time_zone="UTC",
                              mentor_weekly_cap=40)
    people = {role: MembershipFactory(organization=org, **{f"is_{role}": True}, time_zone="UTC")
              for role in ("manager", "mentor", "mentee", "hr")}
    clients = {}
    for role, person in people.items():
        page = Client()
        page.force_login(person.user, backend="django.contrib.auth.backends.ModelBackend")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=person.user, name='bench')[1]}")
        clients[role] = {"page": page, "api": api}
    fill = {"slug": org.slug, "mentor": people["mentor"].pk, "mentee": people["mentee"].pk}
    endpoints = [(name, who, path.format(**fill)) for name, who, path in ENDPOINTS]

    hours = itertools.count()
    _populate(org, people["mentor"], people["mentee"], SMALL, hours)
    hr_path = None
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)  # the probe's 404s are expected
    try:
        for candidate in HR_DASHBOARD_PATHS:
            if clients["hr"]["api"].get(candidate.format(**fill)).status_code == 200:
                hr_path = candidate.format(**fill)
                break
    finally:
        request_log.setLevel(level)
    if hr_path:
        endpoints.append(("hr_dashboard_api", "hr", hr_path))

    def client_of(who, path):
        return clients[who]["api" if path.startswith("/api/") else "page"]

    small = {}
    for name, who, path in endpoints:
        client_of(who, path).get(path)  # warm-up: rows made on first use, the token's last use
        small[name] = _count(client_of(who, path), path)
    _populate(org, people["mentor"], people["mentee"], LARGE - SMALL, hours)
    figures = []
    for name, who, path in endpoints:
        large = _count(client_of(who, path), path)
        if small[name][0] is None or large[0] is None:
            figures.append(missing(f"queries.{name}", "queries", f"{path} answered HTTP "
                                   f"{small[name][1]} / {large[1]} as {who}", goal="= queries at 1 row"))
            continue
        figures.append(figure(f"queries.{name}", large[0], "queries", baseline=small[name][0],
                              goal="= queries at 1 row", met=large[0] == small[name][0]))
    if not hr_path:
        figures.append(missing("queries.hr_dashboard_api", "queries",
                               "no HR dashboard API yet (issue 6); tried " + ", ".join(HR_DASHBOARD_PATHS),
                               goal="= queries at 1 row"))
    return figures


def run(ctx=None) -> list[dict]:
    """Everything the section writes is rolled back."""
    with transaction.atomic():
        try:
            return _measure(ctx)
        finally:
            transaction.set_rollback(True)
