"""The org kudos feed: anyone thanks anyone in the org (optionally for one of
their own sessions), newest first and paginated; the API's kudos/ the same."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions_app.models import Kudos
from tests.factories import MembershipFactory
from tests.factories_sessions import KudosFactory, MentoringSessionFactory

pytestmark = pytest.mark.django_db

FEED = reverse("kudos_feed", args=["acme"])
API = "/api/v1/orgs/acme/kudos/"


def given():
    return list(Kudos.unscoped.values_list("giver__display_name", "receiver__display_name", "message"))


@pytest.fixture
def logged(org_a, mentor, mentee):
    return MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True)


def test_a_member_thanks_anyone_in_the_org_not_only_a_session_partner(client_for, mentee, hr):
    response = client_for(mentee).post(FEED, {"receiver": hr.pk, "message": "  Thanks for the onboarding  "})

    assert response.status_code == 302 and response.url == FEED
    assert given() == [("Mina Mentee", "Hana HR", "Thanks for the onboarding")]


def test_the_kudos_show_in_the_feed_for_everyone_in_the_org(client_for, mentee, hr, manager):
    client_for(mentee).post(FEED, {"receiver": hr.pk, "message": "Thanks for the onboarding"})

    main = client_for(manager).get(FEED).content.decode()

    assert "Mina Mentee" in main and "Hana HR" in main and "Thanks for the onboarding" in main


def test_kudos_for_one_of_my_sessions_are_tied_to_it(client_for, mentee, mentor, logged):
    response = client_for(mentee).post(FEED, {"receiver": mentor.pk, "message": "Great review",
                                              "session": logged.pk})

    assert response.status_code == 302
    assert Kudos.unscoped.get().session_id == logged.pk


def test_kudos_to_yourself_are_a_form_error(client_for, mentee):
    response = client_for(mentee).post(FEED, {"receiver": mentee.pk, "message": "Me!"})

    assert response.status_code == 400
    assert "Pick an active member of Acme other than yourself." in response.content.decode()
    assert given() == []


def test_a_receiver_of_another_org_is_a_form_error_not_a_500(client_for, mentee, outsider):
    response = client_for(mentee).post(FEED, {"receiver": outsider.pk, "message": "Hi"})

    assert response.status_code == 400
    assert "Olga Outsider" not in response.content.decode()
    assert given() == []


def test_a_malformed_receiver_id_is_a_form_error(client_for, mentee):
    assert client_for(mentee).post(FEED, {"receiver": "not-a-uuid", "message": "Hi"}).status_code == 400


def test_a_deactivated_member_cannot_be_thanked(client_for, mentee, org_a):
    gone = MembershipFactory(organization=org_a, is_active=False, display_name="Gone Person")

    response = client_for(mentee).post(FEED, {"receiver": gone.pk, "message": "Hi"})

    assert response.status_code == 400 and given() == []


def test_a_session_that_is_not_mine_is_a_form_error(client_for, mentee, mentor, org_a):
    theirs = MentoringSessionFactory(organization=org_a, mentor=mentor, logged=True)

    response = client_for(mentee).post(FEED, {"receiver": mentor.pk, "message": "Hi", "session": theirs.pk})

    assert response.status_code == 400
    assert "Pick one of your own sessions, or none." in response.content.decode()
    assert given() == []


def test_kudos_for_a_session_go_to_its_other_participant(client_for, mentee, hr, logged):
    response = client_for(mentee).post(FEED, {"receiver": hr.pk, "message": "Hi", "session": logged.pk})

    assert response.status_code == 400
    assert "go from one of its participants to the other" in response.content.decode()


def test_a_message_over_280_characters_is_a_form_error_that_keeps_the_receiver_picked(client_for, mentee, hr):
    response = client_for(mentee).post(FEED, {"receiver": hr.pk, "message": "x" * 281})

    assert response.status_code == 400 and given() == []
    assert f'<option value="{hr.pk}" selected>Hana HR</option>' in response.content.decode()


def test_the_form_offers_active_colleagues_but_not_yourself(client_for, mentee, mentor, outsider):
    main = client_for(mentee).get(FEED).content.decode()
    select = main[main.index('id="id_receiver"'):main.index("</select>", main.index('id="id_receiver"'))]

    assert "Otto Mentor" in select and "Mina Mentee" not in select and "Olga Outsider" not in select


def test_the_feed_is_newest_first_and_paginated(client_for, mentee, org_a):
    now = timezone.now()
    for n in range(30):
        kudos = KudosFactory(organization=org_a, message=f"Kudos number {n:02d}")
        Kudos.unscoped.filter(pk=kudos.pk).update(created_at=now - timedelta(hours=n))  # auto_now_add otherwise

    first = client_for(mentee).get(FEED).context["page"]
    second = client_for(mentee).get(FEED, {"page": 2}).context["page"]

    assert [k.message for k in first][:2] == ["Kudos number 00", "Kudos number 01"]
    assert len(first) == 25 and [k.message for k in second] == [f"Kudos number {n:02d}" for n in range(25, 30)]


def test_the_nav_links_to_the_kudos_feed(client_for, mentee):
    response = client_for(mentee).get(FEED)

    assert f'<a href="{FEED}" aria-current="page">Kudos</a>' in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_on_the_kudos_feed(client_for, outsider, mentor, method):
    response = getattr(client_for(outsider), method)(FEED, {"receiver": mentor.pk, "message": "Hi"})

    assert response.status_code == 404
    assert given() == []


def page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(FEED).status_code == 200
    return len(captured)


def test_the_feed_s_queries_do_not_grow_with_kudos_or_people(client_for, mentee, mentor, org_a):
    client = client_for(mentee)
    KudosFactory(organization=org_a, giver=mentor, receiver=mentee)
    MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True)
    client.get(FEED)  # warm-up
    few = page_queries(client)
    for _ in range(30):
        KudosFactory(organization=org_a)
        MentoringSessionFactory(organization=org_a, mentor=mentor, mentee=mentee, logged=True)

    assert page_queries(client) == few


# --- API ------------------------------------------------------------------------------------------------


def test_the_api_takes_kudos_to_anyone_in_the_org(api_for, mentee, hr):
    response = api_for(mentee).post(API, {"receiver": str(hr.pk), "message": "Thanks!"}, format="json")

    assert response.status_code == 201
    assert given() == [("Mina Mentee", "Hana HR", "Thanks!")]


def test_the_api_refuses_a_receiver_of_another_org_with_a_400(api_for, mentee, outsider):
    response = api_for(mentee).post(API, {"receiver": str(outsider.pk), "message": "Hi"}, format="json")

    assert response.status_code == 400 and list(response.json()["errors"]) == ["receiver"]


def test_the_api_looks_the_session_up_among_the_giver_s_own(api_for, mentee, mentor, org_a, org_b, outsider):
    theirs = MentoringSessionFactory(organization=org_a, mentor=mentor, logged=True)
    foreign = MentoringSessionFactory(organization=org_b, logged=True)

    for session in (theirs, foreign):
        response = api_for(mentee).post(API, {"receiver": str(mentor.pk), "message": "Hi",
                                              "session": str(session.pk)}, format="json")
        assert response.status_code == 400 and list(response.json()["errors"]) == ["session"]
    assert given() == []
