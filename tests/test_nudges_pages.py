"""The notification centre, reminder preferences and the one-click unsubscribe."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions_app.context_processors import notifications as notifications_context
from sessions_app.models import Notification, NudgeKind, NudgePreference, OrgNudgeSetting
from sessions_app.services.nudges import unsubscribe_token


def notify(member, title="Due tomorrow: draft the outline", link="/o/acme/next-steps/", **extra) -> Notification:
    return Notification.unscoped.create(organization=member.organization, recipient=member, title=title,
                                        body="Tick it off once it is done.", link=link, **extra)


def url(name, org, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def preference(member, kind) -> tuple[bool, bool] | None:
    return NudgePreference.objects.for_org(member.organization).filter(membership=member, kind=kind) \
        .values_list("email", "in_app").first()


def test_the_notification_centre_shows_my_notifications_and_the_unread_count(org_a, mentee, mentor, client_for):
    notify(mentee, title="Mine, unread")
    notify(mentee, title="Mine, read", read_at="2026-01-01T00:00Z")
    notify(mentor, title="The mentor's")

    response = client_for(mentee).get(url("notification_list", org_a))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Mine, unread" in text and "Mine, read" in text and "The mentor&#x27;s" not in text
    assert response.context["unread_total"] == 1


def test_the_notification_centre_runs_the_same_queries_for_one_or_thirty_notifications(org_a, mentee, client_for):
    client = client_for(mentee)
    notify(mentee)
    with CaptureQueriesContext(connection) as one:
        client.get(url("notification_list", org_a))
    for _ in range(29):
        notify(mentee)
    with CaptureQueriesContext(connection) as thirty:
        client.get(url("notification_list", org_a))

    assert len(one) == len(thirty)


def test_opening_a_notification_marks_it_read_and_goes_to_the_thing(org_a, mentee, client_for):
    notification = notify(mentee)

    response = client_for(mentee).post(url("notification_read", org_a, notification_id=notification.pk),
                                       {"open": "1"})

    notification.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == "/o/acme/next-steps/"
    assert notification.read_at is not None


def test_mark_all_read_leaves_nothing_unread(org_a, mentee, client_for):
    notify(mentee), notify(mentee)

    client_for(mentee).post(url("notification_read_all", org_a))

    assert not Notification.objects.for_org(org_a).filter(recipient=mentee, read_at__isnull=True).exists()


def test_another_members_notification_is_not_found_and_stays_unread(org_a, mentee, mentor, client_for):
    notification = notify(mentor)

    response = client_for(mentee).post(url("notification_read", org_a, notification_id=notification.pk))

    notification.refresh_from_db()
    assert response.status_code == 404 and notification.read_at is None


@pytest.mark.parametrize("name", ["notification_list", "notification_read_all", "notification_preferences",
                                  "nudge_kinds"])
def test_an_outsider_gets_404_for_the_notification_pages_of_our_org(name, org_a, outsider, client_for):
    client = client_for(outsider)

    assert {client.get(url(name, org_a)).status_code, client.post(url(name, org_a)).status_code} == {404}


def test_my_preferences_page_saves_each_channel_per_kind(org_a, mentee, client_for):
    client = client_for(mentee)
    assert client.get(url("notification_preferences", org_a)).status_code == 200
    checked = {f"{kind}-{channel}": "on" for kind in NudgeKind.values for channel in ("email", "in_app")}
    checked.pop("survey_pending-email")

    response = client.post(url("notification_preferences", org_a), checked)

    assert response.status_code == 302
    assert preference(mentee, NudgeKind.SURVEY_PENDING) == (False, True)
    assert preference(mentee, NudgeKind.NEXT_STEP_DUE) == (True, True)


def test_a_manager_switches_a_kind_off_for_the_organisation(org_a, manager, client_for):
    enabled = [kind for kind in NudgeKind.values if kind != NudgeKind.SURVEY_PENDING]

    response = client_for(manager).post(url("nudge_kinds", org_a), {"enabled": enabled})

    assert response.status_code == 302
    assert list(OrgNudgeSetting.objects.for_org(org_a).filter(enabled=False).values_list("kind", flat=True)) == \
        [NudgeKind.SURVEY_PENDING]


def test_only_managers_switch_kinds_for_the_organisation(org_a, mentee, client_for):
    response = client_for(mentee).post(url("nudge_kinds", org_a), {"enabled": []})

    assert response.status_code == 403
    assert not OrgNudgeSetting.objects.for_org(org_a).exists()


def test_an_unknown_kind_is_a_400_with_a_message(org_a, manager, client_for):
    response = client_for(manager).post(url("nudge_kinds", org_a), {"enabled": ["world_peace"]})

    assert response.status_code == 400 and b"Unknown kind" in response.content


def test_the_unsubscribe_link_asks_first_and_changes_nothing_on_get(mentee):
    token = unsubscribe_token(membership=mentee, kind=NudgeKind.NEXT_STEP_OVERDUE)

    response = Client().get(reverse("nudge_unsubscribe", args=[token]))

    assert response.status_code == 200 and "Next step overdue" in response.content.decode()
    assert preference(mentee, NudgeKind.NEXT_STEP_OVERDUE) is None


def test_one_click_unsubscribe_works_without_signing_in_or_a_csrf_token(mentee):
    token = unsubscribe_token(membership=mentee, kind=NudgeKind.NEXT_STEP_OVERDUE)

    response = Client(enforce_csrf_checks=True).post(reverse("nudge_unsubscribe", args=[token]),
                                                     {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200 and b"Unsubscribed" in response.content
    assert preference(mentee, NudgeKind.NEXT_STEP_OVERDUE) == (False, False)
    assert preference(mentee, NudgeKind.NEXT_STEP_DUE) is None  # other kinds stay on


def test_a_tampered_unsubscribe_link_is_a_400_and_changes_nothing(mentee):
    token = unsubscribe_token(membership=mentee, kind=NudgeKind.NEXT_STEP_DUE)

    response = Client().post(reverse("nudge_unsubscribe", args=[token.replace(":", ":x", 1)]))

    assert response.status_code == 400
    assert preference(mentee, NudgeKind.NEXT_STEP_DUE) is None


def test_the_badge_counts_my_unread_notifications_only_when_a_page_reads_it(org_a, mentee):
    notify(mentee), notify(mentee, read_at="2026-01-01T00:00Z")
    request = RequestFactory().get("/")
    request.membership = mentee

    with CaptureQueriesContext(connection) as untouched:
        context = notifications_context(request)

    assert len(untouched) == 0
    assert context["unread_notifications"] == 1
