"""HTML pages of the session loop: the log form, session pages for the two
participants only, next steps with htmx ticks, the survey once, kudos and
agenda templates."""

from datetime import date, datetime, timezone

import pytest
from django.urls import reverse

from sessions_app.models import AgendaTemplate, Kudos, MentoringSession, NextStep, SessionNote, SurveyResponse
from tests.factories import MembershipFactory
from tests.factories_sessions import (AgendaTemplateFactory, MentoringSessionFactory, NextStepFactory,
                                      SurveyResponseFactory)

pytestmark = pytest.mark.django_db

# Sunday 5 January 2025, 23:30 UTC: already Monday 6 January in Berlin.
LATE_SUNDAY = datetime(2025, 1, 5, 23, 30, tzinfo=timezone.utc)


@pytest.fixture
def session(org_a, mentor, mentee):
    return MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, start=LATE_SUNDAY,
                                   end=LATE_SUNDAY.replace(hour=23, minute=55))


@pytest.fixture
def logged(org_a, mentor, mentee):
    session = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True)
    SessionNote.unscoped.create(organization=org_a, session=session, text="Secret plans for the launch")
    NextStepFactory(session=session, title="Write the launch checklist")
    return session


def url(name, session_or_step=None, slug="acme"):
    args = [slug] + ([session_or_step.pk] if session_or_step is not None else [])
    return reverse(name, args=args)


def log_data(**overrides):
    data = {"actual_minutes": "25", "outcome_type": "code_review", "notes": "Went through the retry logic.",
            "steps-TOTAL_FORMS": "3", "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "10"}
    for n in range(3):
        data.update({f"steps-{n}-title": "", f"steps-{n}-owner": "mentee", f"steps-{n}-due_date": "2025-01-13",
                     f"steps-{n}-work_item": ""})
    data.update(overrides)
    return data


# --- Logging ------------------------------------------------------------------------------------

def test_the_log_form_offers_three_step_rows_due_a_week_after_the_session_in_the_viewer_s_zone(
        client_for, mentor, session):
    response = client_for(mentor).get(url("session_log", session))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('name="steps-') >= 12 and 'name="steps-2-title"' in html
    assert 'value="2025-01-13"' in html  # Monday 6 Jan in Berlin + 7 days


def test_two_next_steps_in_one_form_log_the_session_and_lead_to_the_survey(client_for, mentor, session):
    data = log_data(**{"steps-0-title": "Add a retry test", "steps-1-title": "Book a pairing slot",
                       "steps-1-owner": "mentor", "steps-1-due_date": "2025-01-20"})
    response = client_for(mentor).post(url("session_log", session), data)
    assert response.status_code == 302
    assert response["Location"] == url("session_survey", session)
    session.refresh_from_db()
    assert session.status == MentoringSession.Status.DONE
    assert sorted(NextStep.unscoped.filter(session=session).values_list("title", "owner", "due_date")) == [
        ("Add a retry test", session.mentee_id, date(2025, 1, 13)),
        ("Book a pairing slot", session.mentor_id, date(2025, 1, 20))]


def test_minutes_outside_the_policy_are_a_form_error(client_for, mentor, session):
    response = client_for(mentor).post(url("session_log", session),
                                       log_data(actual_minutes="45", **{"steps-0-title": "Do it"}))
    assert response.status_code == 400
    assert "Sessions last 15–30 minutes in Acme; you entered 45." in response.content.decode()
    assert NextStep.unscoped.count() == 0


def test_a_log_without_a_next_step_is_a_form_error_and_saves_nothing(client_for, mentor, session):
    response = client_for(mentor).post(url("session_log", session), log_data())
    assert response.status_code == 400
    assert "Every session ends with at least one next step." in response.content.decode()
    session.refresh_from_db()
    assert session.status == MentoringSession.Status.BOOKED
    assert not SessionNote.unscoped.exists()


def test_a_touched_row_without_a_title_is_a_form_error(client_for, mentor, session):
    data = log_data(**{"steps-0-title": "Do it", "steps-1-due_date": "2025-02-01"})
    response = client_for(mentor).post(url("session_log", session), data)
    assert response.status_code == 400
    assert "Give this next step a title." in response.content.decode()


def test_logging_twice_is_a_409(client_for, mentor, mentee, session):
    data = log_data(**{"steps-0-title": "Do it"})
    assert client_for(mentor).post(url("session_log", session), data).status_code == 302
    response = client_for(mentee).post(url("session_log", session), data)
    assert response.status_code == 409
    assert "already logged" in response.content.decode()


def test_a_session_waiting_to_be_logged_is_listed_with_a_link_to_log_it(client_for, mentor, session):
    response = client_for(mentor).get(url("session_list"))
    html = response.content.decode()
    assert "Waiting to be logged (1)" in html
    assert url("session_log", session) in html


# --- Privacy: participants only ----------------------------------------------------------------------

@pytest.mark.parametrize("who", ["manager", "hr", "other_mentee", "outsider"])
@pytest.mark.parametrize("name", ["session_detail", "session_log", "session_survey"])
def test_session_pages_are_404_to_anyone_but_the_participants(client_for, logged, who, name, manager, hr,
                                                              outsider, org_a):
    viewer = {"manager": manager, "hr": hr, "outsider": outsider,
              "other_mentee": MembershipFactory(organization=org_a, is_mentee=True)}[who]
    response = client_for(viewer).get(url(name, logged))
    assert response.status_code == 404
    assert "Secret plans" not in response.content.decode()


@pytest.mark.parametrize("who", ["manager", "hr", "other_mentee"])
def test_notes_cannot_be_written_by_anyone_but_the_participants(client_for, logged, who, manager, hr, org_a):
    viewer = {"manager": manager, "hr": hr, "other_mentee": MembershipFactory(organization=org_a, is_mentee=True)}[who]
    response = client_for(viewer).post(url("session_note", logged), {"text": "Overwritten"})
    assert response.status_code == 404
    assert SessionNote.unscoped.get(session=logged).text == "Secret plans for the launch"


def test_both_participants_read_and_edit_the_notes(client_for, logged, mentor, mentee):
    assert "Secret plans" in client_for(mentee).get(url("session_detail", logged)).content.decode()
    response = client_for(mentor).post(url("session_note", logged), {"text": "Updated plans"})
    assert response.status_code == 302
    assert SessionNote.unscoped.get(session=logged).text == "Updated plans"


# --- Next steps -----------------------------------------------------------------------------------------

def test_ticking_a_step_off_with_htmx_returns_the_updated_steps_fragment(client_for, logged, mentee):
    step = NextStep.unscoped.get(session=logged)
    response = client_for(mentee).post(url("next_step_complete", step), HTTP_HX_REQUEST="true",
                                       HTTP_HX_CURRENT_URL="http://testserver/o/acme/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="my-next-steps"' in html
    done_group = html.split('id="steps-done"', 1)[1]
    assert f'id="step-{step.pk}"' in done_group
    assert 'value="/o/acme/"' in html  # without JS, a later tick returns to the page it was made on
    step.refresh_from_db()
    assert step.done_at is not None


def test_reopening_with_htmx_moves_the_step_back_out_of_done(client_for, logged, mentee):
    step = NextStep.unscoped.get(session=logged)
    client = client_for(mentee)
    client.post(url("next_step_complete", step))
    html = client.post(url("next_step_reopen", step), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="steps-done"' not in html and f'id="step-{step.pk}"' in html


def test_without_javascript_a_tick_redirects_back(client_for, logged, mentee):
    step = NextStep.unscoped.get(session=logged)
    response = client_for(mentee).post(url("next_step_complete", step), {"next": "/o/acme/"})
    assert (response.status_code, response["Location"]) == (302, "/o/acme/")
    response = client_for(mentee).post(url("next_step_reopen", step), {"next": "https://evil.example/"})
    assert response["Location"] == url("next_step_list")


def test_a_mentee_cannot_see_or_tick_another_mentee_s_step(client_for, logged, org_a):
    other = MembershipFactory(organization=org_a, is_mentee=True)
    step = NextStep.unscoped.get(session=logged)
    client = client_for(other)
    assert client.post(url("next_step_complete", step)).status_code == 404
    assert "Write the launch checklist" not in client.get(url("next_step_list")).content.decode()
    step.refresh_from_db()
    assert step.done_at is None


def test_the_mentor_sees_the_mentees_steps_read_only(client_for, logged, mentor, mentee):
    html = client_for(mentor).get(url("mentees_next_steps")).content.decode()
    assert "Write the launch checklist" in html and mentee.display_name in html
    assert "Mark done" not in html
    assert client_for(mentee).get(url("mentees_next_steps")).status_code == 403


def test_managers_see_counts_not_titles(client_for, logged, manager, mentee):
    response = client_for(manager).get(url("next_steps_overview"))
    assert response.status_code == 200
    assert "Write the launch checklist" not in response.content.decode()
    assert client_for(mentee).get(url("next_steps_overview")).status_code == 403


# --- Survey and kudos ------------------------------------------------------------------------------------------

def test_the_survey_is_offered_until_answered_then_refused_once_more(client_for, logged, mentee):
    client = client_for(mentee)
    assert url("session_survey", logged) in client.get(url("session_list")).content.decode()
    response = client.post(url("session_survey", logged), {"usefulness": "4", "comment": "Helpful"})
    assert response.status_code == 302
    assert url("session_survey", logged) not in client.get(url("session_list")).content.decode()
    again = client.post(url("session_survey", logged), {"usefulness": "1"})
    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    assert list(SurveyResponse.unscoped.values_list("usefulness", flat=True)) == [4]


def test_the_survey_page_says_so_when_already_answered(client_for, logged, mentee):
    SurveyResponseFactory(session=logged, respondent=mentee)
    html = client_for(mentee).get(url("session_survey", logged)).content.decode()
    assert "already answered" in html and 'name="usefulness"' not in html


def test_kudos_from_the_session_page_go_to_the_other_participant(client_for, logged, mentee, mentor):
    response = client_for(mentee).post(url("session_kudos", logged), {"message": "Thanks for the review!"})
    assert response.status_code == 302
    assert list(Kudos.unscoped.values_list("giver", "receiver", "message")) == [
        (mentee.pk, mentor.pk, "Thanks for the review!")]


def test_too_long_kudos_are_a_form_error(client_for, logged, mentee):
    response = client_for(mentee).post(url("session_kudos", logged), {"message": "x" * 281})
    assert response.status_code == 400
    assert not Kudos.unscoped.exists()


# --- Agenda templates -----------------------------------------------------------------------------------------

def test_default_agendas_are_created_once_per_org(client_for, manager, org_a):
    client = client_for(manager)
    assert client.get(url("agenda_list")).status_code == 200
    first = AgendaTemplate.unscoped.filter(organization=org_a).count()
    client.get(url("agenda_list"))
    assert first == AgendaTemplate.unscoped.filter(organization=org_a).count() == 6
    assert set(AgendaTemplate.unscoped.values_list("outcome_type", flat=True)) >= {"code_review", "hiring_decision"}


def test_a_manager_creates_edits_and_deletes_an_agenda(client_for, manager, org_a):
    client = client_for(manager)
    data = {"name": "Design review", "outcome_type": "decision_made", "prompts": "What is decided?\n\nWho acts?"}
    assert client.post(url("agenda_create"), data).status_code == 302
    agenda = AgendaTemplate.unscoped.get(organization=org_a, name="Design review")
    assert agenda.prompts == "What is decided?\nWho acts?"
    assert client.post(url("agenda_edit", agenda), {**data, "name": "Design decision"}).status_code == 302
    assert client.get(url("agenda_delete", agenda)).status_code == 200  # the confirmation
    assert client.post(url("agenda_delete", agenda)).status_code == 302
    assert not AgendaTemplate.unscoped.filter(pk=agenda.pk).exists()


def test_an_agenda_name_is_unique_per_org(client_for, manager, org_a):
    AgendaTemplateFactory(organization=org_a, name="Design review")
    response = client_for(manager).post(url("agenda_create"), {"name": "Design review", "outcome_type": "other",
                                                               "prompts": "Why?"})
    assert response.status_code == 400
    assert "already a template" in response.content.decode()


def test_only_managers_edit_agendas(client_for, mentor):
    assert client_for(mentor).get(url("agenda_list")).status_code == 403


# --- Outsiders ---------------------------------------------------------------------------------------------------

ROUTES = ["session_list", "session_detail", "session_log", "session_note", "session_kudos", "session_survey",
          "next_step_list", "next_steps_overview", "next_step_complete", "next_step_reopen", "mentees_next_steps",
          "agenda_list", "agenda_create", "agenda_edit", "agenda_delete"]


@pytest.mark.parametrize("name", ROUTES)
def test_every_route_is_404_to_an_outsider(client_for, outsider, logged, name):
    step = NextStep.unscoped.get(session=logged)
    agenda = AgendaTemplateFactory(organization=logged.organization)
    kwargs = {"session_id": logged.pk, "step_id": step.pk, "agenda_id": agenda.pk}
    from django.urls import get_resolver

    pattern_kwargs = next(p.pattern.converters for p in get_resolver("sessions_app.urls_loop").url_patterns
                          if p.name == name)
    target = reverse(name, kwargs={"org_slug": "acme", **{key: kwargs[key] for key in pattern_kwargs}})
    client = client_for(outsider)
    assert client.get(target).status_code == 404
    assert client.post(target).status_code == 404


# --- The org home ---------------------------------------------------------------------------------------------------

def test_the_mentee_s_home_opens_on_their_next_steps_and_lists_kudos_received(client_for, logged, mentee, mentor):
    Kudos.unscoped.create(organization=logged.organization, giver=mentor, receiver=mentee, message="Great progress")
    html = client_for(mentee).get("/o/acme/").content.decode()
    main = html.split('id="main"', 1)[1]
    assert main.index("My next steps") < main.index("Your profile")
    assert "Write the launch checklist" in main
    assert "Kudos received" in main and "Great progress" in main


def test_the_mentor_s_home_shows_sessions_waiting_to_be_logged(client_for, session, mentor):
    html = client_for(mentor).get("/o/acme/").content.decode()
    assert "Sessions waiting to be logged" in html and url("session_log", session) in html


def test_the_manager_s_home_has_no_next_steps_of_others(client_for, logged, manager):
    html = client_for(manager).get("/o/acme/").content.decode()
    assert "Write the launch checklist" not in html


def test_the_log_form_shows_every_problem_at_once(client_for, mentor, session):
    response = client_for(mentor).post(url("session_log", session), log_data(actual_minutes="45", outcome_type=""))
    html = response.content.decode()
    assert response.status_code == 400
    for message in ("Sessions last 15–30 minutes in Acme; you entered 45.", "Pick the kind of outcome",
                    "Every session ends with at least one next step."):
        assert message in html
