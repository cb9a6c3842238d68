"""API of the session loop: logging with field messages, private notes,
next steps, the survey once, kudos; participants only."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from mentoring.models import WorkItem
from sessions_app.models import MentoringSession, NextStep, SessionNote
from tests.factories import MembershipFactory
from tests.factories_sessions import KudosFactory, MentoringSessionFactory, NextStepFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orgs/acme"


@pytest.fixture
def session(org_a, mentor, mentee):
    return MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee)


@pytest.fixture
def logged(org_a, mentor, mentee):
    session = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True)
    SessionNote.unscoped.create(organization=org_a, session=session, text="Secret plans")
    NextStepFactory(session=session, title="Write the checklist")
    return session


def log_body(**overrides):
    body = {"actual_minutes": 20, "outcome_type": "hiring_decision", "notes": "Two candidates.",
            "next_steps": [{"title": "Call the references"}]}
    body.update(overrides)
    return body


def test_logging_through_the_api_returns_the_session_with_its_next_steps(api_for, mentor, session):
    response = api_for(mentor).post(f"{BASE}/sessions/{session.pk}/log/", log_body(next_steps=[
        {"title": "Call the references"}, {"title": "Write the offer", "owner": "mentor", "due_date": "2030-01-02"}]),
        format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["actual_minutes"], body["outcome_type"]) == ("done", 20, "hiring_decision")
    week_later = (session.start.astimezone(ZoneInfo("Europe/Berlin")).date() + timedelta(days=7)).isoformat()
    assert [(s["title"], s["owner"]["id"], s["due_date"]) for s in body["next_steps"]] == [
        ("Call the references", str(session.mentee_id), week_later),
        ("Write the offer", str(session.mentor_id), "2030-01-02")]


def test_the_api_refuses_a_log_without_next_steps_with_a_field_message(api_for, mentor, session):
    response = api_for(mentor).post(f"{BASE}/sessions/{session.pk}/log/", log_body(next_steps=[]), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"next_steps": ["Every session ends with at least one next step."]}
    session.refresh_from_db()
    assert session.status == MentoringSession.Status.BOOKED


def test_the_api_refuses_minutes_outside_the_policy(api_for, mentor, session):
    response = api_for(mentor).post(f"{BASE}/sessions/{session.pk}/log/", log_body(actual_minutes=45),
                                    format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"actual_minutes": ["Sessions last 15–30 minutes in Acme; you entered 45."]}


def test_the_api_refuses_a_work_item_that_is_not_the_mentee_s(api_for, mentor, session):
    foreign = WorkItem.unscoped.create(organization=session.organization, membership=mentor, name="Mine")
    response = api_for(mentor).post(f"{BASE}/sessions/{session.pk}/log/", log_body(
        next_steps=[{"title": "Review", "work_item": str(foreign.pk)}]), format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["next_steps"]


def test_logging_twice_through_the_api_is_409(api_for, mentor, mentee, session):
    assert api_for(mentor).post(f"{BASE}/sessions/{session.pk}/log/", log_body(), format="json").status_code == 200
    response = api_for(mentee).post(f"{BASE}/sessions/{session.pk}/log/", log_body(), format="json")
    assert response.status_code == 409
    assert NextStep.unscoped.filter(session=session).count() == 1


def test_sessions_list_holds_only_the_caller_s_own(api_for, mentee, logged, org_a):
    MentoringSessionFactory(organization=org_a)  # two other people
    body = api_for(mentee).get(f"{BASE}/sessions/").json()
    assert [row["id"] for row in body["results"]] == [str(logged.pk)]


@pytest.mark.parametrize("who", ["manager", "hr", "other_mentee", "outsider"])
def test_session_note_and_log_are_404_to_anyone_but_the_participants(api_for, logged, who, manager, hr, outsider,
                                                                     org_a):
    viewer = {"manager": manager, "hr": hr, "outsider": outsider,
              "other_mentee": MembershipFactory(organization=org_a, is_mentee=True)}[who]
    api = api_for(viewer)
    assert api.get(f"{BASE}/sessions/{logged.pk}/").status_code == 404
    assert api.get(f"{BASE}/sessions/{logged.pk}/note/").status_code == 404
    assert api.put(f"{BASE}/sessions/{logged.pk}/note/", {"text": "x"}, format="json").status_code == 404
    assert api.post(f"{BASE}/sessions/{logged.pk}/log/", log_body(), format="json").status_code == 404
    assert api.post(f"{BASE}/sessions/{logged.pk}/survey/", {"usefulness": 3}, format="json").status_code == 404
    assert SessionNote.unscoped.get(session=logged).text == "Secret plans"


def test_participants_read_and_write_the_note(api_for, logged, mentor, mentee):
    assert api_for(mentee).get(f"{BASE}/sessions/{logged.pk}/note/").json()["text"] == "Secret plans"
    response = api_for(mentor).put(f"{BASE}/sessions/{logged.pk}/note/", {"text": "New plans"}, format="json")
    assert (response.status_code, response.json()["text"]) == (200, "New plans")


def test_next_steps_list_holds_my_own_and_as_mentor_my_mentees(api_for, logged, mentor, mentee, org_a):
    mine = NextStepFactory(session=logged, owner=mentor, title="Mentor's own")
    other_session = MentoringSessionFactory(organization=org_a, logged=True)
    NextStepFactory(session=other_session, title="Someone else's")
    as_mentor = {s["title"] for s in api_for(mentor).get(f"{BASE}/next-steps/").json()["results"]}
    as_mentee = {s["title"] for s in api_for(mentee).get(f"{BASE}/next-steps/").json()["results"]}
    assert (as_mentor, as_mentee) == ({"Write the checklist", mine.title}, {"Write the checklist"})


def test_next_steps_complete_reopen_and_filter_by_status(api_for, logged, mentee):
    step = NextStep.unscoped.get(session=logged)
    api = api_for(mentee)
    assert api.post(f"{BASE}/next-steps/{step.pk}/complete/").json()["done"] is True
    assert [s["id"] for s in api.get(f"{BASE}/next-steps/?status=done").json()["results"]] == [str(step.pk)]
    assert api.get(f"{BASE}/next-steps/?status=open").json()["results"] == []
    assert api.post(f"{BASE}/next-steps/{step.pk}/reopen/").json()["done"] is False
    assert api.get(f"{BASE}/next-steps/?status=later").status_code == 400


def test_a_mentor_sees_but_does_not_tick_a_mentee_s_step_and_others_get_404(api_for, logged, mentor, org_a):
    step = NextStep.unscoped.get(session=logged)
    assert api_for(mentor).post(f"{BASE}/next-steps/{step.pk}/complete/").status_code == 403
    other = MembershipFactory(organization=org_a, is_mentee=True)
    assert api_for(other).post(f"{BASE}/next-steps/{step.pk}/complete/").status_code == 404


def test_the_survey_is_answered_once_through_the_api(api_for, logged, mentee):
    api = api_for(mentee)
    first = api.post(f"{BASE}/sessions/{logged.pk}/survey/", {"usefulness": 5, "comment": "Great"}, format="json")
    assert first.status_code == 201
    assert api.get(f"{BASE}/sessions/{logged.pk}/").json()["survey_answered"] is True
    again = api.post(f"{BASE}/sessions/{logged.pk}/survey/", {"usefulness": 2}, format="json")
    assert again.status_code == 409
    assert api.post(f"{BASE}/sessions/{logged.pk}/survey/", {"usefulness": 9}, format="json").status_code == 400


def test_kudos_are_given_and_listed(api_for, mentee, mentor, logged):
    response = api_for(mentee).post(f"{BASE}/kudos/", {"receiver": str(mentor.pk), "message": "Thank you!",
                                                       "session": str(logged.pk)}, format="json")
    assert response.status_code == 201
    received = api_for(mentor).get(f"{BASE}/kudos/?box=received").json()["results"]
    assert [(k["giver"]["id"], k["message"], k["session"]) for k in received] == [
        (str(mentee.pk), "Thank you!", str(logged.pk))]


def test_kudos_to_yourself_or_outside_the_org_or_for_someone_else_s_session_are_400(api_for, mentee, mentor,
                                                                                   outsider, org_a):
    api = api_for(mentee)
    assert api.post(f"{BASE}/kudos/", {"receiver": str(mentee.pk), "message": "Me"}, format="json").json()[
        "errors"] == {"receiver": ["Kudos go to someone else, not to yourself."]}
    assert api.post(f"{BASE}/kudos/", {"receiver": str(outsider.pk), "message": "Hi"},
                    format="json").status_code == 400
    foreign_session = MentoringSessionFactory(organization=org_a, mentor=mentor, logged=True)
    response = api.post(f"{BASE}/kudos/", {"receiver": str(mentor.pk), "message": "Hi",
                                           "session": str(foreign_session.pk)}, format="json")
    assert list(response.json()["errors"]) == ["session"]


def test_the_org_kudos_feed_and_my_box_differ(api_for, mentee, org_a):
    KudosFactory(organization=org_a, message="Between others")
    api = api_for(mentee)
    assert api.get(f"{BASE}/kudos/").json()["results"] == []
    assert [k["message"] for k in api.get(f"{BASE}/kudos/?box=org").json()["results"]] == ["Between others"]


def test_an_outsider_gets_404_on_every_loop_endpoint(api_for, outsider, logged):
    step = NextStep.unscoped.get(session=logged)
    api = api_for(outsider)
    for path in ("sessions/", f"sessions/{logged.pk}/", "next-steps/", "kudos/"):
        assert api.get(f"{BASE}/{path}").status_code == 404, path
    for path in (f"next-steps/{step.pk}/complete/", f"next-steps/{step.pk}/reopen/", "kudos/"):
        assert api.post(f"{BASE}/{path}", {}, format="json").status_code == 404, path
