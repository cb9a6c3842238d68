"""Constraint conflicts are a 409 (or a 400 with the field message), never a 500: duplicates that the
services expect, and a database constraint nobody anticipated (HTML: ConflictMiddleware; API:
api_base.exception_handler)."""

import sys
import types
from datetime import datetime, time, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from django.utils import timezone

from mentoring.models import Invitation, Skill, WorkItem
from mentoring.views.base import org_view
from sessions_app.models import MentoringSession

pytestmark = pytest.mark.django_db
ORG = "/api/v1/orgs/acme"


def test_inviting_the_same_email_twice_keeps_one_pending_invitation_and_never_500s(manager, api_for):
    api = api_for(manager)
    first = api.post(f"{ORG}/invitations/", {"email": "twice@acme.test", "roles": ["mentee"]}, format="json")
    second = api.post(f"{ORG}/invitations/", {"email": "twice@acme.test", "roles": ["mentee"]}, format="json")

    pending = Invitation.objects.for_org(manager.organization).filter(email="twice@acme.test",
                                                                      accepted_at=None, revoked_at=None)
    assert first.status_code == 201
    assert second.status_code in (201, 409) and pending.count() == 1


def test_duplicate_skills_and_work_items_in_one_profile_are_stored_once(manager, mentee, api_for):
    body = api_for(manager).get(f"{ORG}/people/{mentee.pk}/").json()
    body.update(skills=["Python", "python", " Python "],
                work_items=[{"name": "Launch", "url": ""}, {"name": "launch", "url": ""}])
    body.pop("id", None)

    response = api_for(manager).patch(f"{ORG}/people/{mentee.pk}/", body, format="json")

    assert response.status_code == 200, response.json()
    assert list(mentee.skills.values_list("slug", flat=True)) == ["python"]
    assert WorkItem.objects.for_org(mentee.organization).filter(membership=mentee).count() == 1


def test_booking_the_same_slot_twice_is_refused_with_a_message_and_one_session(mentor, mentee, api_for):
    berlin = ZoneInfo("Europe/Berlin")
    day = timezone.now().astimezone(berlin).date() + timedelta(days=7)
    day -= timedelta(days=day.weekday())
    body = {"mentor": str(mentor.pk), "mentee": str(mentee.pk), "minutes": 30,
            "start": datetime.combine(day, time(10), tzinfo=berlin).isoformat()}

    first = api_for(mentee).post(f"{ORG}/sessions/book/", body, format="json")
    second = api_for(mentee).post(f"{ORG}/sessions/book/", body, format="json")

    assert first.status_code == 201
    assert second.status_code in (400, 409) and second.json()["detail"]
    assert MentoringSession.objects.for_org(mentee.organization).count() == 1


# A constraint nobody anticipated: a view that inserts a duplicate row without checking.
@org_view("manager")
def _careless_view(request, org, membership):
    with transaction.atomic():  # as a service would be
        Skill.objects.for_org(org).create(organization=org, slug="dup", name="Dup")
        Skill.objects.for_org(org).create(organization=org, slug="dup", name="Dup")
    return HttpResponse("saved")


@pytest.fixture
def careless_urls():
    module = types.ModuleType("tests._careless_urls")
    module.urlpatterns = [path("o/<slug:org_slug>/careless/", _careless_view),
                          *import_module(settings.ROOT_URLCONF).urlpatterns]
    sys.modules[module.__name__] = module
    with override_settings(ROOT_URLCONF=module.__name__):
        yield
    del sys.modules[module.__name__]


def test_an_unanticipated_constraint_conflict_on_a_page_is_a_409_page(careless_urls, client_for, manager):
    response = client_for(manager).post("/o/acme/careless/")

    assert response.status_code == 409
    assert "clashes with something that already exists" in response.content.decode()
