"""Object- and field-level rules the role matrix cannot see (tests/test_role_matrix.py checks roles):
notes only to the two participants, HR aggregates only, a mentee never reads another mentee's steps."""

import pytest
from django.urls import reverse

from sessions_app.models import NextStep, SessionNote
from tests.factories import MembershipFactory
from tests.factories_sessions import MentoringSessionFactory, NextStepFactory

pytestmark = pytest.mark.django_db
SECRETS = ("Secret quokka plans", "Draft the quokka outline")


@pytest.fixture
def logged(org_a, mentor, mentee):
    session = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True)
    SessionNote.unscoped.create(organization=org_a, session=session, text=SECRETS[0])
    NextStepFactory(session=session, owner=mentee, title=SECRETS[1])
    return session


def pages(org, session):
    step = NextStep.unscoped.get(session=session)
    html = [reverse(name, kwargs={"org_slug": org.slug}) for name in
            ("org_home", "session_list", "next_step_list", "kudos_feed", "notification_list")]
    html += [reverse("session_detail", kwargs={"org_slug": org.slug, "session_id": session.pk})]
    api = [f"/api/v1/orgs/{org.slug}/{tail}" for tail in
           ("sessions/", "next-steps/", f"sessions/{session.pk}/", f"sessions/{session.pk}/note/", "kudos/?box=org")]
    return html, api, step


def seen(client_for, api_for, who, org, session) -> list[str]:
    html, api, _ = pages(org, session)
    bodies = [client_for(who).get(u).content.decode() for u in html]
    bodies += [api_for(who).get(u).content.decode() for u in api]
    return [secret for secret in SECRETS if any(secret in body for body in bodies)]


def test_the_participants_see_the_note_and_the_step_so_the_checks_below_can_fail(client_for, api_for, logged,
                                                                                 mentor, mentee, org_a):
    assert seen(client_for, api_for, mentee, org_a, logged) == list(SECRETS)
    assert SECRETS[0] in api_for(mentor).get(f"/api/v1/orgs/acme/sessions/{logged.pk}/note/").content.decode()


@pytest.mark.parametrize("role", ["hr", "manager", "other_mentee", "other_mentor"])
def test_no_one_but_the_participants_reads_the_note_or_the_step(role, client_for, api_for, logged, org_a, hr, manager):
    who = {"hr": hr, "manager": manager,
           "other_mentee": MembershipFactory(organization=org_a, is_mentee=True),
           "other_mentor": MembershipFactory(organization=org_a, is_mentor=True)}[role]

    assert seen(client_for, api_for, who, org_a, logged) == []


def test_hr_gets_no_detail_of_a_session_a_note_or_a_step(client_for, api_for, logged, org_a, hr):
    _, _, step = pages(org_a, logged)
    detail = [client_for(hr).get(reverse("session_detail", kwargs={"org_slug": "acme", "session_id": logged.pk})),
              api_for(hr).get(f"/api/v1/orgs/acme/sessions/{logged.pk}/"),
              api_for(hr).get(f"/api/v1/orgs/acme/sessions/{logged.pk}/note/"),
              api_for(hr).post(f"/api/v1/orgs/acme/next-steps/{step.pk}/complete/")]
    lists = [api_for(hr).get("/api/v1/orgs/acme/sessions/").json()["results"],
             api_for(hr).get("/api/v1/orgs/acme/next-steps/").json()["results"]]

    assert [r.status_code for r in detail] == [404, 404, 404, 404]
    assert lists == [[], []]
    assert client_for(hr).get(reverse("next_steps_overview", kwargs={"org_slug": "acme"})).status_code == 403


def test_a_mentee_cannot_read_or_tick_another_mentee_s_next_steps_through_the_api(api_for, logged, org_a):
    other = MembershipFactory(organization=org_a, is_mentee=True)
    step = NextStep.unscoped.get(session=logged)
    api = api_for(other)

    listed = api.get("/api/v1/orgs/acme/next-steps/").json()["results"]
    ticked = api.post(f"/api/v1/orgs/acme/next-steps/{step.pk}/complete/")
    step.refresh_from_db()

    assert listed == [] and ticked.status_code == 404 and step.done_at is None
