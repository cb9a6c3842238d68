"""The session loop journey (issue 4): a session took place; the mentor logs
it with two next steps in one form; the mentee sees them on their home page,
ticks one off in place (htmx, no reload) and answers the survey, which then
no longer appears. Every page visited must pass axe."""

import re

import pytest
from playwright.sync_api import expect

from sessions_app.models import MentoringSession, NextStep
from tests.browser.helpers import assert_accessible
from tests.factories_sessions import MentoringSessionFactory

pytestmark = pytest.mark.browser


def test_mentor_logs_two_next_steps_and_mentee_ticks_one_off_and_answers_the_survey_once(
        signed_in_page, org_a, mentor, mentee):
    session = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee)

    # The mentor finds the session waiting to be logged and logs it in one form.
    page = signed_in_page(mentor)
    expect(page.get_by_role("heading", name="Sessions waiting to be logged")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"Waiting to be logged \(1\)"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name=re.compile(r"^Log")).first.click()
    expect(page).to_have_url(re.compile(rf"/sessions/{session.pk}/log/$"))
    assert_accessible(page)
    page.get_by_label("Actual minutes").fill("25")
    page.get_by_label("Outcome").select_option("code_review")
    page.get_by_label("Private notes").fill("Walked through the retry logic.")
    page.get_by_role("group", name="Next step 1").get_by_label("What").fill("Add a retry test")
    second = page.get_by_role("group", name=re.compile(r"^Next step 2"))
    second.get_by_label("What").fill("Draft the RFC outline")
    page.get_by_role("button", name="Log session").click()

    # Straight to the survey for the one who logged.
    expect(page).to_have_url(re.compile(rf"/sessions/{session.pk}/survey/$"))
    expect(page.get_by_text("Session logged with 2 next steps.")).to_be_visible()
    assert_accessible(page)
    session.refresh_from_db()
    assert session.status == MentoringSession.Status.DONE
    assert sorted(NextStep.unscoped.filter(session=session).values_list("title", flat=True)) == [
        "Add a retry test", "Draft the RFC outline"]

    # The mentee's home opens on their next steps.
    home = signed_in_page(mentee)
    steps = home.locator("#my-next-steps")
    expect(steps).to_contain_text("Add a retry test")
    expect(steps).to_contain_text("Draft the RFC outline")
    assert_accessible(home)

    # Ticking one off moves it to "Done" in place: htmx swaps the list, the page is not reloaded.
    home.evaluate("window.__sameDocument = true")
    home.get_by_role("button", name=re.compile(r"^Mark done\W+Add a retry test$")).click()
    done = home.locator("section.step-group-done")
    expect(done).to_contain_text("Add a retry test")
    expect(done).not_to_contain_text("Draft the RFC outline")
    assert home.evaluate("window.__sameDocument === true")
    assert_accessible(home)

    # The survey is offered until answered, then no more.
    home.get_by_role("link", name=re.compile(r"^Answer the 2-question survey")).click()
    expect(home).to_have_url(re.compile(rf"/sessions/{session.pk}/survey/$"))
    assert_accessible(home)
    home.get_by_label("4 — Useful").check()
    home.get_by_label(re.compile("Anything to add")).fill("Concrete and short.")
    home.get_by_role("button", name="Send answer").click()
    expect(home.get_by_text("Thank you: your answer helps the program.")).to_be_visible()
    expect(home.get_by_role("link", name=re.compile(r"^Answer the 2-question survey"))).to_have_count(0)
    assert_accessible(home)
    home.goto("/o/acme/")
    expect(home.get_by_role("link", name=re.compile(r"^Answer the 2-question survey"))).to_have_count(0)
    expect(home.locator("section.step-group-done")).to_contain_text("Add a retry test")
    home.goto(f"/o/acme/sessions/{session.pk}/survey/")
    expect(home.get_by_text("You already answered the survey for this session")).to_be_visible()


def test_the_other_loop_pages_pass_axe(signed_in_page, org_a, mentor, mentee, manager):
    from tests.factories_sessions import AgendaTemplateFactory, NextStepFactory

    agenda = AgendaTemplateFactory(organization=org_a, name="Code review")
    waiting = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, agenda=agenda)
    logged = MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True, agenda=agenda)
    NextStepFactory(session=logged, title="Add a retry test")

    page = signed_in_page(mentor)
    page.goto(f"/o/acme/sessions/{logged.pk}/")
    page.get_by_role("textbox", name=re.compile("^Private notes")).fill("Only for us two.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Notes saved.")).to_be_visible()
    page.get_by_role("textbox", name=re.compile("^Kudos")).fill("Great questions today.")
    page.get_by_role("button", name=re.compile("Send kudos to")).click()
    expect(page.get_by_text(re.compile("Kudos sent to"))).to_be_visible()
    assert_accessible(page)
    page.goto(f"/o/acme/sessions/{waiting.pk}/log/")
    page.get_by_role("button", name="Log session").click()  # no next step: the form explains
    expect(page.get_by_text("Every session ends with at least one next step.")).to_be_visible()
    assert_accessible(page)
    for path in ("/o/acme/next-steps/", "/o/acme/mentees/next-steps/"):
        page.goto(path)
        assert_accessible(page)

    boss = signed_in_page(manager)
    for path in ("/o/acme/next-steps/overview/", "/o/acme/agendas/", "/o/acme/agendas/new/",
                 f"/o/acme/agendas/{agenda.pk}/delete/"):
        boss.goto(path)
        assert_accessible(boss)
