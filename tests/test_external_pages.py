"""External-mentor pages (managers' list with trial flags, template, terms;
the mentor's agreement; the statement with its month picker and CSV) and the
participants' own goals pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.urls import reverse

from mentoring import services_external as svc
from mentoring.models import AuditEvent
from mentoring.models_external import EngagementAgreement
from mentoring.models_programs import Participant
from mentoring.selectors_external import org_today
from tests.factories import MembershipFactory
from tests.factories_programs import CohortFactory, ParticipantFactory
from tests.factories_sessions import MentoringSessionFactory


@pytest.fixture
def expert(org_a):
    return MembershipFactory(organization=org_a, is_mentor=True, is_external=True, display_name="Erna Expert",
                             user__email="erna@acme.test")


def set_terms(manager, expert, ends_in=30, **changes):
    today = org_today(manager.organization)
    terms = {"hourly_rate": "125.00", "currency": "EUR", "trial_sessions": 2,
             "trial_starts_on": today - timedelta(days=60), "trial_ends_on": today + timedelta(days=ends_in),
             "monthly_cap": 4, **changes}
    return svc.external_terms_set(actor=manager, mentor=expert, **terms)


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def test_managers_see_terms_agreement_status_and_trial_flags(manager, expert, org_a, client_for):
    other = MembershipFactory(organization=org_a, is_mentor=True, is_external=True, display_name="Olaf Ending")
    svc.agreement_accept(actor=other, agreement=set_terms(manager, other, ends_in=3))
    set_terms(manager, expert, ends_in=-1)
    MembershipFactory(organization=org_a, is_mentor=True, is_external=True, display_name="Nora Noterms")

    page = client_for(manager).get(url("external_mentors", org_a)).content.decode()

    assert "Ends in 3 days" in page and "Trial ended" in page
    assert "Waiting for acceptance" in page and "Accepted" in page and "No terms yet" in page


def test_the_list_runs_the_same_queries_for_one_or_ten_mentors(manager, org_a, client_for,
                                                               django_assert_num_queries):
    client = client_for(manager)
    path = url("external_mentors", org_a)

    def add(n):
        for _ in range(n):
            set_terms(manager, MembershipFactory(organization=org_a, is_mentor=True, is_external=True))

    add(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(path)
    add(9)
    with django_assert_num_queries(len(one)):
        response = client.get(path)
    assert response.status_code == 200


def test_the_list_is_for_managers_only(expert, mentor, client_for, org_a):
    assert client_for(mentor).get(url("external_mentors", org_a)).status_code == 403


def test_a_manager_sets_terms_in_the_form_and_the_agreement_is_generated(manager, expert, org_a, client_for):
    today = org_today(org_a)
    response = client_for(manager).post(url("external_terms", org_a, mentor_id=expert.pk), {
        "hourly_rate": "90.00", "currency": "usd", "trial_sessions": "3", "trial_starts_on": today.isoformat(),
        "trial_ends_on": (today + timedelta(days=30)).isoformat(), "monthly_cap": "6"})

    assert response.status_code == 302
    agreement = EngagementAgreement.objects.for_org(org_a).get(mentor=expert)
    assert "90.00 USD" in agreement.body and agreement.status == "pending"


def test_bad_terms_come_back_with_the_field_message(manager, expert, org_a, client_for):
    today = org_today(org_a)
    response = client_for(manager).post(url("external_terms", org_a, mentor_id=expert.pk), {
        "hourly_rate": "90.00", "currency": "usd", "trial_sessions": "3", "trial_starts_on": today.isoformat(),
        "trial_ends_on": (today - timedelta(days=1)).isoformat(), "monthly_cap": "6"})

    assert response.status_code == 400
    assert "The trial ends before it starts." in response.content.decode()


def test_terms_of_an_internal_person_are_not_found(manager, mentor, org_a, client_for):
    assert client_for(manager).get(url("external_terms", org_a, mentor_id=mentor.pk)).status_code == 404


def test_the_template_page_saves_and_refuses_unknown_placeholders(manager, org_a, client_for):
    client = client_for(manager)
    bad = client.post(url("agreement_template", org_a), {"body": "Hello {nickname}"})
    good = client.post(url("agreement_template", org_a), {"body": "Hello {mentor}, {rate} {currency}"})

    assert bad.status_code == 400 and "{nickname}" in bad.content.decode()
    assert good.status_code == 302
    assert "Hello {mentor}, {rate} {currency}" in client.get(url("agreement_template", org_a)).content.decode()


def test_the_mentor_reads_and_accepts_their_agreement(manager, expert, org_a, client_for):
    agreement = set_terms(manager, expert)
    client = client_for(expert)

    page = client.get(url("my_agreement", org_a)).content.decode()
    response = client.post(url("agreement_accept", org_a, agreement_id=agreement.pk))

    agreement.refresh_from_db()
    assert "Engagement agreement between Acme and Erna Expert" in page and "I accept this agreement" in page
    assert response.status_code == 302 and agreement.accepted_by == expert
    assert "Accepted" in client.get(url("my_agreement", org_a)).content.decode()


def test_nobody_else_can_accept_a_mentor_s_agreement(manager, expert, mentor, org_a, client_for):
    agreement = set_terms(manager, expert)

    for person in (manager, mentor):
        assert client_for(person).post(url("agreement_accept", org_a, agreement_id=agreement.pk)).status_code == 404
    agreement.refresh_from_db()
    assert agreement.accepted_at is None


def test_a_member_without_agreement_sees_an_empty_state(mentor, org_a, client_for):
    assert "You have no engagement agreement" in client_for(mentor).get(url("my_agreement", org_a)).content.decode()


@pytest.fixture
def november(manager, expert, mentee):
    org = expert.organization
    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert),
                         now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    start = datetime(2026, 11, 10, 9, tzinfo=timezone.utc)
    MentoringSessionFactory(organization=org, mentor=expert, mentee=mentee, logged=True, start=start,
                            end=start + timedelta(minutes=30), actual_minutes=25)


def test_the_statement_page_shows_the_month_picked(manager, expert, org_a, client_for, november):
    client = client_for(manager)
    path = url("external_statement", org_a, mentor_id=expert.pk)

    chosen = client.get(path + "?month=2026-11").content.decode()
    other = client.get(path + "?month=2026-10").content.decode()
    bad = client.get(path + "?month=2026-13")

    assert "52.08 EUR" in chosen and "Mina Mentee" in chosen and "Download CSV" in chosen
    assert "No logged sessions in October 2026" in other
    assert bad.status_code == 400 and "Pick a month like 2026-03." in bad.content.decode()


def test_a_mentor_sees_their_own_statement_only(expert, mentor, org_a, client_for, november):
    other = MembershipFactory(organization=org_a, is_mentor=True, is_external=True)

    own = client_for(expert).get(url("external_statement", org_a, mentor_id=expert.pk) + "?month=2026-11")
    theirs = client_for(expert).get(url("external_statement", org_a, mentor_id=other.pk))
    internal = client_for(mentor).get(url("external_statement", org_a, mentor_id=expert.pk))

    assert own.status_code == 200 and "52.08 EUR" in own.content.decode()
    assert theirs.status_code == internal.status_code == 404


def test_the_csv_download_is_a_csv_attachment_and_audited(manager, expert, org_a, client_for, november):
    response = client_for(manager).get(url("external_statement_csv", org_a, mentor_id=expert.pk) + "?month=2026-11")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert ",Mina Mentee,25,125.00,EUR,52.08," in response.content.decode()
    assert AuditEvent.objects.for_org(org_a).filter(action="compensation.export", actor_membership=manager).exists()


# --- Own goals ------------------------------------------------------------------------------------------

@pytest.fixture
def participations(org_a, mentee):
    cohort = CohortFactory(program__organization=org_a, program__name="Onboarding")
    mine = ParticipantFactory(organization=org_a, cohort=cohort, membership=mentee, role="mentee")
    theirs = ParticipantFactory(organization=org_a, cohort=cohort, role="mentee",
                                membership=MembershipFactory(organization=org_a, is_mentee=True))
    return mine, theirs


def test_a_participant_edits_their_goals_in_the_browser(mentee, org_a, client_for, participations):
    mine, _ = participations
    client = client_for(mentee)

    listing = client.get(url("my_participations", org_a)).content.decode()
    response = client.post(url("participation_goals", org_a, participant_id=mine.pk),
                           {"goals": "Run my first incident review", "goal_skills": "Incident response, writing"})

    mine.refresh_from_db()
    assert "Onboarding" in listing and response.status_code == 302
    assert mine.goals == "Run my first incident review"
    assert sorted(s.name for s in mine.goal_skills.all()) == ["Incident response", "writing"]


def test_another_person_s_goals_are_not_found(mentee, org_a, client_for, participations):
    _, theirs = participations

    assert client_for(mentee).get(url("participation_goals", org_a, participant_id=theirs.pk)).status_code == 404
    assert client_for(mentee).post(url("participation_goals", org_a, participant_id=theirs.pk),
                                   {"goals": "x"}).status_code == 404
    assert Participant.objects.for_org(org_a).get(pk=theirs.pk).goals != "x"


def test_home_links_to_goals_and_an_external_mentor_s_agreement(expert, org_a, client_for):
    page = client_for(expert).get(reverse("org_home", args=[org_a.slug])).content.decode()

    assert url("my_participations", org_a) in page and url("my_agreement", org_a) in page


def test_the_statement_page_runs_the_same_queries_for_one_or_eight_sessions(manager, expert, mentee, org_a,
                                                                           client_for, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    svc.agreement_accept(actor=expert, agreement=set_terms(manager, expert),
                         now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    client = client_for(manager)
    path = url("external_statement", org_a, mentor_id=expert.pk) + "?month=2026-11"

    def log(days):
        for day in days:
            start = datetime(2026, 11, day, 9, tzinfo=timezone.utc)
            MentoringSessionFactory(organization=org_a, mentor=expert, mentee=mentee, logged=True, start=start,
                                    end=start + timedelta(minutes=30), actual_minutes=20)

    log([2])
    with CaptureQueriesContext(connection) as one:
        client.get(path)
    log(range(3, 10))
    with django_assert_num_queries(len(one)):
        page = client.get(path).content.decode()
    assert page.count("Mina Mentee") == 8
