"""Data rights (mentoring/data_rights.py): a member exports their own data (page + API, audited); a
program manager erases a person: no personal field of theirs is left anywhere in the database, while
the rows other people need (sessions, their next steps, counts) stay."""

import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.urls import reverse

from mentoring import services
from mentoring.data_rights import FORMER_MEMBER, collectors, member_erase
from mentoring.errors import Conflict
from mentoring.models import ApiToken, AuditEvent, Invitation, Membership, User
from sessions_app.models import Kudos, MentoringSession, NextStep, SurveyResponse
from sessions_app.models_nudges import Notification
from tests.factories import MembershipFactory, OrganizationFactory
from tests.factories_nudges import NudgeFactory
from tests.factories_sessions import KudosFactory, NextStepFactory, SurveyResponseFactory
from tests.sessions_world import sessions_world

pytestmark = pytest.mark.django_db
SECTIONS = {"account", "memberships", "profile", "sessions", "session_notes", "next_steps", "survey_answers",
            "kudos", "notifications", "availability"}


@pytest.fixture
def zeb(org_a, manager, mentor):
    """A mentee with a full history: profile, skills, work items, a logged session with a note, next
    steps, a survey answer, kudos both ways, notifications, availability, calendars, a token."""
    invitation = services.invitation_create(actor=manager, email="zebulon@acme.test", roles=["mentee"])
    person = MembershipFactory(organization=org_a, is_mentee=True, display_name="Zebulon Erasable",
                               user__email="zebulon@acme.test", title="Zebtitle")
    services.person_update(actor=manager, membership=person, skills=["Quokkaskill"],
                           work_items=[("Zebproject", "https://acme.test/zebproject")])
    world = sessions_world(mentor, person)
    SurveyResponseFactory(session=world.session, respondent=person, comment="Zebsurvey: loved it")
    KudosFactory(organization=org_a, giver=mentor, receiver=person, message="Great progress this week")
    mentors_step = NextStepFactory(session=world.session, owner=mentor, title="Mentor keeps this step")
    nudge = NudgeFactory(step__session=world.session, step__owner=person, step__title="Zebnudged step")
    Notification.objects.for_org(org_a).create(organization=org_a, recipient=person, nudge=nudge,
                                               title="Zebnotice: your step is due")
    Notification.objects.for_org(org_a).create(organization=org_a, recipient=mentor,
                                               title="Your session with Zebulon Erasable is logged")
    services.token_issue(user=person.user, name="Zebtoken")
    services.membership_set_roles(actor=manager, membership=person, roles=["mentee", "mentor"])
    return SimpleNamespace(
        person=person, world=world, invitation=invitation, mentors_step=mentors_step, user_id=person.user_id,
        needles=("Zebulon", "zebulon@acme.test", "Zebtitle", "Quokkaskill", "Zebproject", "Acmenote", "Acmestep",
                 "Zebnudged", "Zebsurvey", "Acmekudos", "Zebnotice", "Acmefocus", "Acmecal", "Zebtoken",
                 world.feed.secret))


# --- Export ------------------------------------------------------------------------------------------

def test_the_registry_holds_every_area_s_section():
    assert set(collectors()) >= SECTIONS


def test_a_member_downloads_their_own_data_as_json_and_it_is_audited(zeb, client_for, org_a):
    response = client_for(zeb.person).get(reverse("my_data_export", kwargs={"org_slug": org_a.slug}))
    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)

    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert set(data) >= SECTIONS
    assert data["profile"]["skills"] == ["Quokkaskill"] and data["account"]["email"] == "zebulon@acme.test"
    assert [n["text"] for n in data["session_notes"]] == ["Acmenote: try smaller pull requests"]
    assert {s["title"] for s in data["next_steps"]} >= {"Acmestep: split the parser change", "Zebnudged step"}
    assert "Mentor keeps this step" not in json.dumps(data)  # someone else's step
    assert [a["comment"] for a in data["survey_answers"]] == ["Zebsurvey: loved it"]
    assert [k["message"] for k in data["kudos"]["sent"]] == ["Acmekudos for the review"]
    assert [k["message"] for k in data["kudos"]["received"]] == ["Great progress this week"]
    assert [n["title"] for n in data["notifications"]] == ["Zebnotice: your step is due"]
    assert AuditEvent.objects.for_org(org_a).filter(action="data.export", actor_membership=zeb.person).count() == 1


def test_the_api_export_is_the_same_data(zeb, api_for, org_a):
    response = api_for(zeb.person).get(f"/api/v1/orgs/{org_a.slug}/me/export/")

    assert response.status_code == 200
    assert set(response.json()) >= SECTIONS and response.json()["profile"]["display_name"] == "Zebulon Erasable"


def test_the_my_data_page_offers_the_download(zeb, client_for, org_a):
    html = client_for(zeb.person).get(reverse("my_data", kwargs={"org_slug": org_a.slug})).content.decode()
    assert reverse("my_data_export", kwargs={"org_slug": org_a.slug}) in html


# --- Erasure -------------------------------------------------------------------------------------------

def everything_in_the_database() -> list[tuple[str, str]]:
    """(model, text of one row) for every row of every model."""
    rows = []
    for model in apps.get_models():
        for values in model._base_manager.values():
            rows.append((model._meta.label, json.dumps(values, default=str)))
    return rows


def counts(org) -> dict:
    return {"sessions": MentoringSession.objects.for_org(org).count(), "steps": NextStep.objects.for_org(org).count(),
            "done_steps": NextStep.objects.for_org(org).filter(done_at__isnull=False).count(),
            "surveys": SurveyResponse.objects.for_org(org).count(), "kudos": Kudos.objects.for_org(org).count(),
            "members": Membership.objects.for_org(org).count()}


def test_the_scan_finds_the_person_before_erasure_so_it_can_fail(zeb):
    found = {needle for needle in zeb.needles for _, text in everything_in_the_database() if needle in text}
    assert found == set(zeb.needles)


def test_erasure_leaves_no_personal_field_of_theirs_and_keeps_the_counts(zeb, client_for, org_a, manager):
    before = counts(org_a)

    response = client_for(manager).post(reverse("member_erase", kwargs={"org_slug": org_a.slug,
                                                                        "member_id": zeb.person.pk}))

    leftovers = [(label, needle) for label, text in everything_in_the_database()
                 for needle in zeb.needles if needle in text]
    assert response.status_code == 302
    assert leftovers == []
    assert counts(org_a) == before


def test_after_erasure_the_other_participant_still_sees_the_session_with_a_former_member(zeb, client_for, org_a,
                                                                                        manager, mentor):
    member_erase(actor=manager, membership=zeb.person)
    url = reverse("session_detail", kwargs={"org_slug": org_a.slug, "session_id": zeb.world.session.pk})

    html = client_for(mentor).get(url).content.decode()
    zeb.mentors_step.refresh_from_db()
    person = Membership.objects.for_org(org_a).get(pk=zeb.person.pk)

    assert FORMER_MEMBER in html and "Acmesurvey was useful" in SurveyResponse.objects.for_org(org_a).get(
        respondent=mentor).comment
    assert zeb.mentors_step.title == "Mentor keeps this step"
    assert (person.display_name, person.user_id, person.is_active, person.skills.count()) == (FORMER_MEMBER, None,
                                                                                              False, 0)
    assert not User.objects.filter(pk=zeb.user_id).exists()
    assert not Invitation.objects.for_org(org_a).filter(pk=zeb.invitation.pk).exists()


def test_erasure_is_audited_and_earlier_events_no_longer_name_them(zeb, org_a, manager):
    member_erase(actor=manager, membership=zeb.person)

    events = AuditEvent.objects.for_org(org_a)
    erased = events.get(action="member.erase")
    assert erased.target_label.startswith(FORMER_MEMBER) and erased.actor_membership == manager
    assert not [e for e in events if "Zebulon" in json.dumps([e.target_label, e.actor_label, e.before, e.after])]


def test_a_person_in_another_org_keeps_their_account_but_loses_their_tokens(zeb, org_a, manager):
    MembershipFactory(organization=OrganizationFactory(slug="elsewhere"), user=zeb.person.user)

    member_erase(actor=manager, membership=zeb.person)

    assert User.objects.filter(pk=zeb.user_id).exists()
    assert not ApiToken.objects.filter(user_id=zeb.user_id, revoked_at=None).exists()


def test_the_confirmation_page_changes_nothing(zeb, client_for, org_a, manager):
    url = reverse("member_erase", kwargs={"org_slug": org_a.slug, "member_id": zeb.person.pk})

    html = client_for(manager).get(url).content.decode()

    assert "cannot be undone" in html and "<form method=\"post\"" in html
    assert Membership.objects.for_org(org_a).get(pk=zeb.person.pk).display_name == "Zebulon Erasable"


def test_a_manager_cannot_erase_themself_and_an_erasure_runs_once(zeb, manager):
    with pytest.raises(Conflict):
        member_erase(actor=manager, membership=manager)
    member_erase(actor=manager, membership=zeb.person)
    with pytest.raises(Conflict):
        member_erase(actor=manager, membership=zeb.person)
