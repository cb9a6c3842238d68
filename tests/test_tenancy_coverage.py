"""Cross-tenant coverage: every route and every tenant model is checked.

The test walks the URL resolver (HTML pages and DRF routes alike) and fails
when a route is neither in COVERAGE (org-scoped: has ``org_slug``) nor in
PUBLIC_OR_USER_SCOPED (with the reason it needs no org check). A new route
therefore cannot ship without saying how an outsider is kept out.

For each COVERAGE case, the outsider (a manager of org B) asks for the org-A
URL with every method the route accepts and gets 404 (HTML with a session, API
with a Bearer token and with a session); a member of org A asking for the same
URL does *not* get 404, so a wrongly built URL cannot pass by accident. Lists
requested by the outsider under their own org show no org-A rows.

Every model with an ``organization`` FK must derive from ``OrgOwned`` (its
``objects`` fails closed) and be exercised by at least one case (MODEL_COVERAGE).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

import pytest
from django.apps import apps
from django.db import models
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from mentoring import services
from mentoring.models import Invitation, Membership, PeopleImport, Skill, WorkItem
from mentoring.tenancy import OrgOwned, UnscopedQueryError
from tests.factories import PersonFactory
from mentoring.models_programs import Cohort, Pair, PairChange, PairingRun, Participant, Program
from tests.programs_world import program_world
from sessions_app.models import (AgendaTemplate, BusyTime, CalendarFeed, ExternalCalendar, FocusBlock, Kudos,
                                 MentoringSession, NextStep, SessionNote, SurveyResponse, TimeClaim, WorkingWindow)
from tests.sessions_world import sessions_world
from sessions_app.models_nudges import Notification, Nudge, NudgePreference, OrgNudgeSetting
from mentoring.models import AuditEvent
from tests.factories_nudges import NudgeFactory
from sessions_app.models_nudges import OrgWebhook, WebhookDelivery, WeeklyDigest
from tests.factories_nudges import nudges_world, this_iso_week

THIS_WEEK = f"?week={this_iso_week()}"
from mentoring.models import MentorListing, SessionRequest, TimeAccount, TimeEntry
from tests.network_world import network_world
from mentoring.models_external import EngagementAgreement, EngagementTemplate, ExternalTerms
from tests.external_world import external_world
# --- metrics inputs (metrics-data) ---
from metrics.models import EventImport, RampMilestone, RampMilestoneDefinition, RoleEvent
from tests.metrics_events_world import events_world
# --- end metrics inputs (metrics-data) ---
from metrics.models import MetricSnapshot  # dashboards (metrics-dash)

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# A page view without a method restriction answers every method like GET.
ANY_METHOD = ALL_METHODS


@dataclass(frozen=True)
class Case:
    """How to reach an org-A object through one route.

    kwargs: URL kwargs besides ``org_slug`` for an org-A object, built from the world.
    methods: every method the route accepts (checked: any other must be 405 for a member).
    is_list: the route lists org rows; the outsider's own list must show none of org A.
    member: who in org A can reach it (the control request).
    query: query string for the list checks (e.g. a search that would match org-A rows).
    reached_by: for a route with an object id, the org-A roles whose world member reaches that object
        (the others are refused by an object rule: not a participant, not the owner); None = every
        role the route declares (tests/test_role_matrix.py). A dict gives it per method.
    """

    kwargs: Callable[[SimpleNamespace], dict] = lambda w: {}
    methods: tuple[str, ...] = ("GET",)
    is_list: bool = False
    member: str = "manager"
    query: str = ""
    reached_by: tuple[str, ...] | dict[str, tuple[str, ...]] | None = None


def person(w):
    return {"person_id": w.person.pk}


def member(w):
    return {"member_id": w.mentee.pk}


def api_id(obj_name):
    return lambda w: {"id": getattr(w, obj_name).pk}


def prog(attr, key="id"):
    """URL kwargs of an org-A program row (tests/programs_world.py)."""
    return lambda w: {key: getattr(w.programs, attr).pk}


def cohort_and_participant(w):
    return {"cohort_id": w.programs.cohort.pk, "participant_id": w.programs.participant.pk}


def sess(attr, key="id"):
    """URL kwargs of an org-A session-loop or booking row (tests/sessions_world.py)."""
    return lambda w: {key: getattr(w.sessions, attr).pk}


def net(attr, key="id"):
    """URL kwargs of an org-A network-model row (tests/network_world.py)."""
    return lambda w: {key: getattr(w.network, attr).pk}
def ext_mentor(key="id"):
    """URL kwargs of org A's external mentor (tests/external_world.py)."""
    return lambda w: {key: w.external.mentor.pk}


def ev(attr, key="id"):
    """URL kwargs of an org-A metrics input row (tests/metrics_events_world.py)."""
    return lambda w: {key: getattr(w.events, attr).pk}


# Every org-scoped route (its pattern has ``org_slug``), by URL name.
COVERAGE: dict[str, Case] = {
    # --- metrics inputs (metrics-data): metrics/urls_events.py (managers and HR; "my_progress": own figures) ---
    "role_event_list": Case(is_list=True),
    "role_event_create": Case(methods=("GET", "POST")),
    "role_event_edit": Case(kwargs=ev("event", "event_id"), methods=("GET", "POST")),
    "role_event_delete": Case(kwargs=ev("event", "event_id"), methods=("GET", "POST")),
    "ramp_definition_list": Case(is_list=True, member="hr", methods=("GET", "POST")),
    "ramp_definition_edit": Case(kwargs=ev("definition", "definition_id"), methods=("GET", "POST")),
    "ramp_definition_delete": Case(kwargs=ev("definition", "definition_id"), methods=("GET", "POST")),
    "ramp_milestone_list": Case(is_list=True, member="hr"),
    "ramp_milestone_create": Case(methods=("GET", "POST")),
    "ramp_milestone_delete": Case(kwargs=ev("milestone", "milestone_id"), methods=("GET", "POST")),
    "event_import": Case(methods=("GET", "POST")),
    "event_import_preview": Case(kwargs=ev("event_import", "import_id"), methods=("GET", "POST")),
    "event_import_template": Case(kwargs=lambda w: {"kind": "events"}),
    "my_progress": Case(member="mentee"),
    # API: metrics/api_urls.py (events block)
    "api-role-event-list": Case(is_list=True, methods=("GET", "POST")),
    "api-role-event-detail": Case(kwargs=ev("event"), methods=("GET", "PATCH", "DELETE")),
    "api-role-event-import-csv": Case(methods=("POST",)),
    "api-ramp-definition-list": Case(is_list=True, member="hr", methods=("GET", "POST")),
    "api-ramp-definition-detail": Case(kwargs=ev("definition"), methods=("GET", "PATCH", "DELETE")),
    "api-ramp-milestone-list": Case(is_list=True, methods=("GET", "POST")),
    "api-ramp-milestone-detail": Case(kwargs=ev("milestone"), methods=("GET", "DELETE")),
    "api-ramp-milestone-import-csv": Case(methods=("POST",)),
    # --- end metrics inputs (metrics-data) ---
    # --- dashboards (metrics-dash): metrics/urls.py + metrics/api_urls.py (HR and managers; recompute: managers) ---
    "metrics_dashboard": Case(member="hr"),
    "metrics_dashboard_export": Case(member="hr"),
    "metrics_dashboard_chart": Case(kwargs=lambda w: {"chart": "durations"}, member="hr"),
    "metrics_recompute": Case(methods=("POST",)),
    "metrics_recompute_progress": Case(),
    "api-metrics-dashboard-list": Case(member="hr"),
    "api-metrics-dashboard-recompute": Case(methods=("POST",)),
    "api-metrics-dashboard-recompute-progress": Case(),
    # --- end dashboards (metrics-dash) ---
    # HTML: mentoring/urls_programs.py (program managers)
    "program_list": Case(is_list=True),
    "program_create": Case(methods=("GET", "POST")),
    "program_detail": Case(kwargs=prog("program", "program_id")),
    "cohort_create": Case(kwargs=prog("program", "program_id"), methods=("GET", "POST")),
    "cohort_detail": Case(kwargs=prog("cohort", "cohort_id")),
    "cohort_participants": Case(kwargs=prog("cohort", "cohort_id"), methods=("GET", "POST")),
    "participant_edit": Case(kwargs=cohort_and_participant, methods=("GET", "POST")),
    "participant_remove": Case(kwargs=cohort_and_participant, methods=("POST",)),
    "cohort_pairing_run": Case(kwargs=prog("cohort", "cohort_id"), methods=("POST",)),
    "cohort_swap": Case(kwargs=prog("cohort", "cohort_id"), methods=("POST",)),
    "cohort_assign": Case(kwargs=prog("cohort", "cohort_id"), methods=("POST",)),
    "cohort_publish": Case(kwargs=prog("cohort", "cohort_id"), methods=("GET", "POST")),
    "cohort_end": Case(kwargs=prog("cohort", "cohort_id"), methods=("GET", "POST")),
    "cohort_history": Case(kwargs=prog("cohort", "cohort_id")),
    "pairing_run_progress": Case(kwargs=prog("run", "run_id")),
    "pair_lock": Case(kwargs=prog("pair", "pair_id"), methods=("POST",)),
    "pair_unlock": Case(kwargs=prog("pair", "pair_id"), methods=("POST",)),
    "pair_unpair": Case(kwargs=prog("pair", "pair_id"), methods=("POST",)),
    # API: mentoring/api_programs_urls.py
    "api-program-list": Case(is_list=True, methods=("GET", "POST")),
    "api-program-detail": Case(kwargs=prog("program")),
    "api-cohort-list": Case(is_list=True, methods=("GET", "POST")),
    "api-cohort-detail": Case(kwargs=prog("cohort")),
    "api-cohort-run": Case(kwargs=prog("cohort"), methods=("POST",)),
    "api-cohort-publish": Case(kwargs=prog("cohort"), methods=("POST",)),
    "api-cohort-end": Case(kwargs=prog("cohort"), methods=("POST",)),
    "api-cohort-history": Case(kwargs=prog("cohort")),
    "api-participant-list": Case(is_list=True, methods=("GET", "POST")),
    "api-participant-detail": Case(kwargs=prog("participant"), methods=("GET", "PATCH", "DELETE")),
    "api-pair-list": Case(is_list=True, methods=("GET", "POST")),
    "api-pair-detail": Case(kwargs=prog("pair"), methods=("GET", "DELETE"), reached_by=("manager",)),
    "api-pair-lock": Case(kwargs=prog("pair"), methods=("POST",)),
    "api-pair-unlock": Case(kwargs=prog("pair"), methods=("POST",)),
    "api-pair-swap": Case(kwargs=prog("pair"), methods=("POST",)),
    "api-pairing-run-detail": Case(kwargs=prog("run")),
    # HTML: mentoring/urls.py + mentoring/urls_org.py
    "org_home": Case(methods=ANY_METHOD),
    "people_list": Case(is_list=True, query="?q=wrangling", methods=ANY_METHOD),
    "people_export": Case(is_list=True, methods=ANY_METHOD),
    "people_import": Case(methods=("GET", "POST")),
    "people_import_template": Case(methods=ANY_METHOD),
    "people_import_preview": Case(kwargs=lambda w: {"import_id": w.people_import.pk}, methods=("GET", "POST")),
    "person_detail": Case(kwargs=person, methods=ANY_METHOD),
    "person_edit": Case(kwargs=person, methods=("GET", "POST"), reached_by=("manager",)),
    "members": Case(is_list=True, methods=ANY_METHOD),
    "member_roles": Case(kwargs=member, methods=("POST",)),
    "member_deactivate": Case(kwargs=member, methods=("GET", "POST")),
    "member_reactivate": Case(kwargs=member, methods=("POST",)),
    "invitations": Case(is_list=True, methods=("GET", "POST")),
    "invitation_revoke": Case(kwargs=lambda w: {"invitation_id": w.invitation.pk}, methods=("GET", "POST")),
    "org_settings": Case(methods=("GET", "POST")),
    # API: mentoring/api_urls.py
    "api-org-detail": Case(),
    "api-policy": Case(methods=("GET", "PATCH")),
    "api-member-list": Case(is_list=True),
    "api-member-detail": Case(kwargs=api_id("mentee"), methods=("GET", "PATCH")),
    "api-member-deactivate": Case(kwargs=api_id("mentee"), methods=("POST",)),
    "api-member-reactivate": Case(kwargs=api_id("mentee"), methods=("POST",)),
    "api-person-list": Case(is_list=True, query="?q=wrangling"),
    # Everyone reads a profile; a manager or the person themself changes it.
    "api-person-detail": Case(kwargs=api_id("person"), methods=("GET", "PATCH"), reached_by={"PATCH": ("manager",)}),
    "api-person-export": Case(is_list=True),
    "api-person-import-csv": Case(methods=("POST",)),
    "api-invitation-list": Case(is_list=True, methods=("GET", "POST")),
    "api-invitation-detail": Case(kwargs=api_id("invitation"), methods=("DELETE",)),
    # HTML: sessions_app/urls_loop.py (sessions and steps: their participants; agendas and counts: managers)
    "session_list": Case(is_list=True, member="mentee", methods=ANY_METHOD),
    "session_detail": Case(kwargs=sess("session", "session_id"), member="mentee", methods=ANY_METHOD,
                           reached_by=("mentor", "mentee")),
    "session_log": Case(kwargs=sess("session", "session_id"), member="mentee", methods=("GET", "POST"),
                        reached_by=("mentor", "mentee")),
    "session_survey": Case(kwargs=sess("session", "session_id"), member="mentee", methods=("GET", "POST"),
                           reached_by=("mentor", "mentee")),
    "session_note": Case(kwargs=sess("session", "session_id"), member="mentee", methods=("POST",),
                         reached_by=("mentor", "mentee")),
    "session_kudos": Case(kwargs=sess("session", "session_id"), member="mentee", methods=("POST",),
                          reached_by=("mentor", "mentee")),
    "next_step_list": Case(is_list=True, member="mentee", methods=ANY_METHOD),
    "next_step_complete": Case(kwargs=sess("step", "step_id"), member="mentee", methods=("POST",),
                               reached_by=("mentee",)),
    "next_step_reopen": Case(kwargs=sess("step", "step_id"), member="mentee", methods=("POST",),
                             reached_by=("mentee",)),
    # Not is_list: the outsider (a manager, not a mentor) has no such page under their own org.
    "mentees_next_steps": Case(member="mentor", methods=ANY_METHOD),
    "next_steps_overview": Case(methods=ANY_METHOD),
    "agenda_list": Case(is_list=True, methods=ANY_METHOD),
    "agenda_create": Case(methods=("GET", "POST")),
    "agenda_edit": Case(kwargs=sess("agenda", "agenda_id"), methods=("GET", "POST")),
    "agenda_delete": Case(kwargs=sess("agenda", "agenda_id"), methods=("GET", "POST")),
    "kudos_feed": Case(is_list=True, member="mentee", methods=("GET", "POST")),
    # HTML: sessions_app/urls_booking.py (a member's own availability; booking by participants or managers)
    "availability": Case(member="mentee", methods=("GET", "POST")),
    "focus_block_add": Case(member="mentee", methods=("POST",)),
    "focus_block_remove": Case(kwargs=sess("block", "block_id"), member="mentee", methods=("GET", "POST"),
                               reached_by=("mentee",)),
    "calendar_upload": Case(member="mentee", methods=("POST",)),
    "calendar_subscribe": Case(member="mentee", methods=("POST",)),
    "calendar_sync": Case(kwargs=sess("calendar", "calendar_id"), member="mentee", methods=("POST",),
                          reached_by=("mentee",)),
    "calendar_delete": Case(kwargs=sess("calendar", "calendar_id"), member="mentee", methods=("GET", "POST"),
                            reached_by=("mentee",)),
    "calendar_feed_rotate": Case(member="mentee", methods=("GET", "POST")),
    "book": Case(member="mentee", methods=("GET", "POST")),
    "session_reschedule": Case(kwargs=sess("booked", "session_id"), member="mentee", methods=("GET", "POST"),
                               reached_by=("manager", "mentor", "mentee")),
    "session_cancel": Case(kwargs=sess("booked", "session_id"), member="mentee", methods=("GET", "POST"),
                           reached_by=("manager", "mentor", "mentee")),
    # API: sessions_app/api/urls_booking.py
    "booking-slots": Case(member="mentee"),
    "booking-availability": Case(member="mentee", methods=("GET", "PUT")),
    "booking-session-book": Case(member="mentee", methods=("POST",)),
    "booking-session-reschedule": Case(kwargs=sess("booked"), member="mentee", methods=("POST",),
                                       reached_by=("manager", "mentor", "mentee")),
    "booking-session-cancel": Case(kwargs=sess("booked"), member="mentee", methods=("POST",),
                                   reached_by=("manager", "mentor", "mentee")),
    "booking-calendar-list": Case(is_list=True, member="mentee", methods=("GET", "POST")),
    "booking-calendar-detail": Case(kwargs=sess("calendar"), member="mentee", methods=("GET", "DELETE"),
                                    reached_by=("mentee",)),
    "booking-calendar-sync": Case(kwargs=sess("calendar"), member="mentee", methods=("POST",), reached_by=("mentee",)),
    # API: sessions_app/api/urls_loop.py
    "api-session-list": Case(is_list=True, member="mentee"),
    "api-session-detail": Case(kwargs=sess("session"), member="mentee", reached_by=("mentor", "mentee")),
    "api-session-log": Case(kwargs=sess("session"), member="mentee", methods=("POST",),
                            reached_by=("mentor", "mentee")),
    "api-session-note": Case(kwargs=sess("session"), member="mentee", methods=("GET", "PUT"),
                             reached_by=("mentor", "mentee")),
    "api-session-survey": Case(kwargs=sess("session"), member="mentee", methods=("POST",),
                               reached_by=("mentor", "mentee")),
    "api-next-step-list": Case(is_list=True, member="mentee"),
    "api-next-step-complete": Case(kwargs=sess("step"), member="mentee", methods=("POST",), reached_by=("mentee",)),
    "api-next-step-reopen": Case(kwargs=sess("step"), member="mentee", methods=("POST",), reached_by=("mentee",)),
    "api-kudos-list": Case(is_list=True, member="mentee", methods=("GET", "POST")),
    # HTML: sessions_app/urls_notifications.py (a member's own notifications and preferences)
    "notification_list": Case(is_list=True, methods=ANY_METHOD),
    "notification_read_all": Case(methods=("POST",)),
    "notification_read": Case(kwargs=lambda w: {"notification_id": w.notification.pk}, methods=("POST",),
                              reached_by=("manager",)),
    "notification_preferences": Case(methods=("GET", "POST")),
    "nudge_kinds": Case(methods=("POST",)),
    # HTML: sessions_app/urls_nudges.py (suggested slots, the digest; managers: activity and webhook)
    "book_suggested": Case(member="mentee", methods=("GET", "POST")),
    "digest": Case(is_list=True, member="mentee", query=THIS_WEEK),
    "nudge_activity": Case(is_list=True),
    "nudge_retry": Case(kwargs=lambda w: {"nudge_id": w.nudges.failed.pk}, methods=("POST",)),
    "webhook_settings": Case(is_list=True, methods=("GET", "POST")),
    "webhook_rotate": Case(methods=("GET", "POST")),
    "webhook_test": Case(methods=("POST",)),
    "webhook_delivery_retry": Case(kwargs=lambda w: {"delivery_id": w.nudges.delivery.pk}, methods=("POST",)),
    # Audit log (managers): mentoring/urls_org.py and mentoring/api_urls.py
    # External mentors and participants' own goals (issue 3): mentoring/urls_external.py, api_external_urls.py
    "external_mentors": Case(is_list=True),
    "agreement_template": Case(methods=("GET", "POST")),
    "external_terms": Case(kwargs=ext_mentor("mentor_id"), methods=("GET", "POST")),
    "external_statement": Case(kwargs=ext_mentor("mentor_id")),
    "external_statement_csv": Case(kwargs=ext_mentor("mentor_id")),
    "my_agreement": Case(member="external_mentor"),
    "agreement_accept": Case(kwargs=lambda w: {"agreement_id": w.external.agreement.pk}, member="external_mentor",
                             methods=("POST",)),
    "my_participations": Case(is_list=True, member="mentee"),
    "participation_goals": Case(kwargs=lambda w: {"participant_id": w.programs.participant.pk}, member="mentee",
                                methods=("GET", "POST")),
    "api-agreement-template": Case(methods=("GET", "PATCH")),
    "api-external-mentor-list": Case(is_list=True),
    "api-external-mentor-detail": Case(kwargs=ext_mentor()),
    "api-external-mentor-terms": Case(kwargs=ext_mentor(), methods=("PUT",)),
    "api-external-mentor-statement": Case(kwargs=ext_mentor()),
    "api-external-mentor-statement-csv": Case(kwargs=ext_mentor()),
    "api-agreement-list": Case(is_list=True),
    "api-agreement-detail": Case(kwargs=lambda w: {"id": w.external.agreement.pk}),
    "api-agreement-accept": Case(kwargs=lambda w: {"id": w.external.agreement.pk}, member="external_mentor",
                                 methods=("POST",)),
    "api-my-participation-list": Case(is_list=True, member="mentee"),
    "api-my-participation-detail": Case(kwargs=lambda w: {"id": w.programs.participant.pk}, member="mentee",
                                        methods=("GET", "PATCH")),
    "audit_log": Case(is_list=True),
    "audit_log_export": Case(is_list=True),
    "api-audit-list": Case(is_list=True),
    # Network model and time-bank (issue 3): HTML mentoring/urls_network.py, API mentoring/api_network_urls.py.
    # Not is_list: with one network program the page redirects to its directory.
    "directory_home": Case(member="mentee"),
    "directory": Case(kwargs=net("program", "program_id"), member="mentee"),
    "listing_edit": Case(kwargs=net("program", "program_id"), member="mentor", methods=("GET", "POST")),
    "session_request_create": Case(kwargs=net("listing", "listing_id"), member="mentee", methods=("GET", "POST")),
    "session_request_list": Case(is_list=True, member="mentee"),
    "session_request_accept": Case(kwargs=net("request", "request_id"), member="mentor", methods=("POST",)),
    "session_request_decline": Case(kwargs=net("request", "request_id"), member="mentor", methods=("GET", "POST")),
    "session_request_withdraw": Case(kwargs=net("request", "request_id"), member="mentee", methods=("POST",)),
    "timebank": Case(is_list=True, member="mentee"),
    "timebank_members": Case(is_list=True),
    "timebank_adjust": Case(kwargs=lambda w: {"member_id": w.mentee.pk}, methods=("GET", "POST")),
    "api-listing-list": Case(is_list=True, member="mentee", methods=("GET", "POST")),
    "api-listing-detail": Case(kwargs=net("listing"), member="mentee"),
    "api-session-request-list": Case(is_list=True, member="mentee", methods=("GET", "POST")),
    "api-session-request-detail": Case(kwargs=net("request"), member="mentee"),
    "api-session-request-accept": Case(kwargs=net("request"), member="mentor", methods=("POST",)),
    "api-session-request-decline": Case(kwargs=net("request"), member="mentor", methods=("POST",)),
    "api-session-request-withdraw": Case(kwargs=net("request"), member="mentee", methods=("POST",)),
    "api-time-account-list": Case(is_list=True),
    "api-time-account-detail": Case(kwargs=api_id("mentee")),
    "api-time-account-adjust": Case(kwargs=api_id("mentee"), methods=("POST",)),
    "api-time-entry-list": Case(is_list=True, member="mentee"),
    "api-time-entry-detail": Case(kwargs=net("entry"), member="mentee"),
    # Data rights (security): a member's own export (page + API); a manager erases a person
    "my_data": Case(member="mentee"),
    "my_data_export": Case(is_list=True, member="mentee"),
    "api-my-data": Case(is_list=True, member="mentee"),
    "member_erase": Case(kwargs=member, methods=("GET", "POST")),
}

# Routes without an org in the URL, and why no org check applies to them.
PUBLIC_OR_USER_SCOPED: dict[str, str] = {
    "healthz": "public health probe; reports service status only",
    "home": "redirects a signed-in user to their own memberships",
    "invitation_accept": "the unguessable token is the credential; shows only that invitation",
    "api_tokens": "the signed-in user's own tokens (filtered by user)",
    "api_token_revoke": "looked up by id *and* user: another user's token is 404 (checked below)",
    "api-me": "the caller's own user and memberships",
    "api-org-list": "the caller's own active memberships",
    "api-token-list": "the caller's own tokens (filtered by user)",
    "api-token-detail": "looked up within the caller's tokens: another user's is 404 (checked below)",
    "api_schema": "OpenAPI schema: no data",
    "api_docs": "API docs page: no data",
    "^(?P<rest>(?s:.*))$": "the API's JSON 404 for unknown paths",
    "nudge_unsubscribe": "the signed token is the credential; one member's choice for one kind",
    "calendar_feed": "the unguessable secret is the credential; serves only that member's own feed "
                     "(unknown/rotated → 404)",
}
# Matched by the start of the route's full pattern.
PUBLIC_PREFIXES: dict[str, str] = {
    "accounts/": "django-allauth sign-in, sign-up, password and MFA pages: the user's own account",
    "admin/": "Django admin: staff only, outside the tenant model",
}

# Every tenant model -> the route cases that request an org-A row of it.
MODEL_COVERAGE: dict[type[models.Model], tuple[str, ...]] = {
    # --- metrics inputs (metrics-data) ---
    RoleEvent: ("role_event_edit", "role_event_delete", "role_event_list", "api-role-event-detail",
                "api-role-event-list"),
    RampMilestoneDefinition: ("ramp_definition_edit", "ramp_definition_list", "api-ramp-definition-detail",
                              "api-ramp-definition-list"),
    RampMilestone: ("ramp_milestone_delete", "ramp_milestone_list", "api-ramp-milestone-detail",
                    "api-ramp-milestone-list"),
    EventImport: ("event_import_preview",),
    # --- end metrics inputs (metrics-data) ---
    # --- dashboards (metrics-dash): snapshots are what the dashboard page, CSV and API read ---
    MetricSnapshot: ("metrics_dashboard", "metrics_dashboard_export", "metrics_dashboard_chart",
                     "api-metrics-dashboard-list"),
    # --- end dashboards (metrics-dash) ---
    Program: ("program_detail", "program_list", "api-program-detail", "api-program-list"),
    Cohort: ("cohort_detail", "cohort_participants", "api-cohort-detail", "api-cohort-list"),
    Participant: ("participant_edit", "api-participant-detail", "api-participant-list"),
    Pair: ("pair_lock", "pair_unpair", "api-pair-detail", "api-pair-list", "api-pair-swap"),
    PairingRun: ("pairing_run_progress", "api-pairing-run-detail"),
    PairChange: ("cohort_history", "api-cohort-history"),
    Membership: ("person_detail", "person_edit", "member_roles", "member_deactivate", "api-member-detail",
                 "api-person-detail", "people_list", "api-person-list", "members", "api-member-list"),
    Invitation: ("invitation_revoke", "invitations", "api-invitation-detail", "api-invitation-list"),
    PeopleImport: ("people_import_preview",),
    # Shown on a person's page and matched by the people search (query="?q=wrangling").
    Skill: ("person_detail", "people_list", "api-person-list", "api-person-detail"),
    WorkItem: ("person_detail", "api-person-detail", "people_export", "api-person-export"),
    MentoringSession: ("session_detail", "session_list", "session_reschedule", "api-session-detail",
                       "api-session-list", "booking-session-reschedule"),
    TimeClaim: ("book", "session_reschedule", "booking-session-book", "booking-session-reschedule"),
    SessionNote: ("session_detail", "api-session-note"),
    NextStep: ("next_step_list", "next_step_complete", "api-next-step-list", "api-next-step-complete"),
    SurveyResponse: ("session_survey", "api-session-survey"),
    Kudos: ("session_detail", "kudos_feed", "api-kudos-list"),
    AgendaTemplate: ("agenda_edit", "agenda_list", "book"),
    WorkingWindow: ("availability", "booking-availability"),
    FocusBlock: ("focus_block_remove", "availability", "booking-availability"),
    ExternalCalendar: ("calendar_sync", "calendar_delete", "booking-calendar-detail", "booking-calendar-list"),
    # Busy times shape the slots offered (and go with their calendar).
    BusyTime: ("book", "booking-slots", "calendar_delete", "booking-calendar-detail"),
    CalendarFeed: ("calendar_feed_rotate", "availability"),
    Notification: ("notification_list", "notification_read", "notification_read_all"),
    NudgePreference: ("notification_preferences",),
    OrgNudgeSetting: ("notification_preferences", "nudge_kinds"),
    # Nudge rows have no page of their own yet; their notification is what a member sees.
    Nudge: ("notification_read", "notification_list"),
    # Nudges, second part: failed nudges on the activity page; the digest page shows the week a
    # WeeklyDigest row marks; the webhook and its posts on the managers' pages.
    WeeklyDigest: ("digest",),
    OrgWebhook: ("webhook_settings", "webhook_rotate", "webhook_test"),
    WebhookDelivery: ("webhook_delivery_retry", "webhook_settings", "nudge_activity"),
    AuditEvent: ("audit_log", "audit_log_export", "api-audit-list"),
    # Network model and time-bank (issue 3)
    MentorListing: ("directory", "session_request_create", "api-listing-list", "api-listing-detail"),
    SessionRequest: ("session_request_list", "session_request_decline", "api-session-request-list",
                     "api-session-request-detail"),
    TimeAccount: ("timebank_members", "timebank_adjust", "api-time-account-list", "api-time-account-detail"),
    TimeEntry: ("timebank", "api-time-entry-list", "api-time-entry-detail"),
    # External mentors (issue 3)
    EngagementTemplate: ("agreement_template", "api-agreement-template"),
    ExternalTerms: ("external_terms", "external_mentors", "api-external-mentor-detail", "api-external-mentor-list"),
    EngagementAgreement: ("my_agreement", "agreement_accept", "api-agreement-detail", "api-agreement-list"),
}
# Models that point at a tenant model without an organisation FK of their own, and why that is safe.
TENANT_CHILDREN_WITHOUT_ORG: dict[str, str] = {}


# --- Walking the routes --------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    key: str  # the URL name (namespaced), or the full pattern when unnamed
    pattern: str
    callback: Callable

    @property
    def org_scoped(self) -> bool:
        return "org_slug" in self.pattern

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, pattern, inner)
        elif isinstance(entry, URLPattern):
            key = f"{namespace}{entry.name}" if entry.name else str(entry.pattern)
            yield Route(key, pattern, entry.callback)


def all_routes() -> list[Route]:
    return list(walk(get_resolver()))


def routes_by_key() -> dict[str, Route]:
    # DRF's format-suffix variants share a name; the first (plain) one stands for them.
    found: dict[str, Route] = {}
    for route in all_routes():
        found.setdefault(route.key, route)
    return found


def is_public(route: Route) -> bool:
    return route.key in PUBLIC_OR_USER_SCOPED or any(route.pattern.startswith(p) for p in PUBLIC_PREFIXES)


def uncovered_routes(routes: list[Route]) -> list[str]:
    return sorted(
        f"{route.key}  ({route.pattern})" for route in routes
        if not (route.org_scoped and route.key in COVERAGE) and not (not route.org_scoped and is_public(route)))


def test_every_route_is_in_the_cross_tenant_matrix():
    uncovered = uncovered_routes(all_routes())
    assert not uncovered, (
        "Routes missing from tests/test_tenancy_coverage.py (org-scoped ones go in COVERAGE, "
        "others in PUBLIC_OR_USER_SCOPED with a reason):\n  " + "\n  ".join(uncovered))


def test_the_matrix_names_no_route_that_does_not_exist():
    existing = routes_by_key()
    stale = sorted(set(COVERAGE) - {k for k, r in existing.items() if r.org_scoped}) + \
        sorted(set(PUBLIC_OR_USER_SCOPED) - set(existing))
    assert not stale, f"Remove or fix these entries (no such route / not org-scoped): {stale}"


def test_the_walk_sees_html_and_api_routes():
    keys = routes_by_key()
    assert {"people_list", "api-person-list", "healthz"} <= set(keys)
    assert keys["api-person-detail"].org_scoped and not keys["healthz"].org_scoped


# --- The world: org A with one row of every tenant model; the outsider in org B ------------------

@pytest.fixture
def world(org_a, manager, mentor, mentee, hr, outsider):
    person = PersonFactory(organization=org_a, display_name="Zebulon Acmeperson", email="zebulon@acme.test")
    services.person_update(actor=manager, membership=person, skills=["Quokka wrangling"],
                           work_items=[("Project Acmewing", "https://acme.test/acmewing")])
    invitation = services.invitation_create(actor=manager, email="invitee@acme.test", roles=["mentee"])
    people_import = services.people_import_upload(
        actor=manager, filename="acme-people.csv", content="email,display_name\nyuri@acme.test,Yuri Acmeimport\n")
    programs = program_world(manager, mentor, mentee)
    sessions = sessions_world(mentor, mentee)
    network = network_world(manager, mentor, mentee)
    events = events_world(manager, mentee)  # metrics inputs (metrics-data)
    nudge = NudgeFactory(step__session=sessions.session, step__owner=manager, step__title="Acmenudge step")
    notification = Notification.objects.for_org(org_a).create(
        organization=org_a, recipient=manager, nudge=nudge, title="Acmenotice: your step is due",
        link=f"/o/{org_a.slug}/next-steps/")
    external = external_world(manager, mentee)
    services.org_policy_update(actor=manager, org=org_a, name="Acme Audited")
    # Org B has people of its own, so its lists are not trivially empty.
    PersonFactory(organization=outsider.organization, display_name="Gustav Globexer", email="gustav@globex.test")
    return SimpleNamespace(
        org=org_a, manager=manager, mentor=mentor, mentee=mentee, hr=hr, outsider=outsider,
        person=person, invitation=invitation, people_import=people_import, programs=programs, sessions=sessions,
        notification=notification, nudges=nudges_world(org_a, mentee, sessions.session), network=network,
        external=external, external_mentor=external.mentor, events=events,
        skill=Skill.objects.for_org(org_a).get(), work_item=WorkItem.objects.for_org(org_a).get(),
        # Strings that only org-A rows carry: none may reach the outsider.
        markers=("acme.test", "Acmeperson", "Quokka", "Acmewing", "Acmeimport", "Maria Manager", "Mina Mentee",
                 str(person.pk), str(invitation.pk), str(mentee.pk), str(manager.pk), *programs.markers,
                 "Acmenotice", "Acme Audited", str(notification.pk), "Acmefailure", "Acmehookfail",
                 *sessions.markers, *network.markers, *external.markers, *events.markers),
    )


def send(client, method: str, url: str, api: bool):
    call = getattr(client, method.lower())
    if method == "GET":
        return call(url)
    return call(url, {}, format="json") if api else call(url, {})


def leaked(response, markers) -> list[str]:
    body = b"".join(response) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    return [m for m in markers if m in text]


def clients_of(membership, route: Route, client_for, api_for) -> list[tuple[str, object, bool]]:
    clients = [("session", client_for(membership), False)]
    if route.is_api:
        clients += [("bearer", api_for(membership), True)]
    return clients


def refused_for_everyone(response, method, url, api, case, world, client_for, api_for) -> bool:
    """A 405 the org-A member gets too says nothing about org A (a method refused by the route)."""
    if response.status_code != 405:
        return False
    member_client = (api_for if api else client_for)(getattr(world, case.member))
    return send(member_client, method, url, api).status_code == 405


@pytest.mark.parametrize("name", sorted(COVERAGE))
def test_outsider_gets_404_for_every_method_on_org_a_url(name, world, client_for, api_for):
    route, case = routes_by_key()[name], COVERAGE[name]
    url = reverse(name, kwargs={"org_slug": world.org.slug, **case.kwargs(world)})

    not_404 = []
    for label, client, api in clients_of(world.outsider, route, client_for, api_for):
        for method in case.methods:
            response = send(client, method, url, api)
            if refused_for_everyone(response, method, url, api, case, world, client_for, api_for):
                continue
            if response.status_code != 404 or leaked(response, world.markers):
                not_404.append(f"{method} {url} ({label}) -> {response.status_code}, "
                               f"leaks {leaked(response, world.markers)}")

    assert not not_404, "Outsider reached org-A data:\n  " + "\n  ".join(not_404)


@pytest.mark.parametrize("name", sorted(COVERAGE))
def test_member_of_org_a_reaches_the_same_url_so_the_404_is_meaningful(name, world, client_for, api_for):
    route, case = routes_by_key()[name], COVERAGE[name]
    url = reverse(name, kwargs={"org_slug": world.org.slug, **case.kwargs(world)})
    member_client = (api_for if route.is_api else client_for)(getattr(world, case.member))

    first = send(member_client, case.methods[0], url, route.is_api)
    # Methods the case does not try must really be refused, or the outsider check missed one.
    unlisted = {m: send(member_client, m, url, route.is_api).status_code
                for m in ALL_METHODS if m not in case.methods}

    assert first.status_code != 404, f"{case.methods[0]} {url} is 404 for {case.member} too: fix the case"
    assert all(code == 405 for code in unlisted.values()), \
        f"{url} accepts methods missing from COVERAGE[{name!r}].methods: {unlisted}"


LIST_CASES = sorted(name for name, case in COVERAGE.items() if case.is_list)


@pytest.mark.parametrize("name", LIST_CASES)
def test_outsider_list_under_own_org_shows_no_org_a_rows(name, world, client_for, api_for):
    route, case = routes_by_key()[name], COVERAGE[name]
    own_url = reverse(name, kwargs={"org_slug": world.outsider.organization.slug}) + case.query

    for label, client, api in clients_of(world.outsider, route, client_for, api_for):
        response = send(client, "GET", own_url, api)
        assert response.status_code == 200, f"GET {own_url} ({label}) -> {response.status_code}"
        assert not leaked(response, world.markers), f"GET {own_url} ({label}) shows org-A rows"


@pytest.mark.parametrize("name", LIST_CASES)
def test_member_list_of_org_a_shows_its_rows_so_the_leak_check_can_fail(name, world, client_for, api_for):
    route, case = routes_by_key()[name], COVERAGE[name]
    url = reverse(name, kwargs={"org_slug": world.org.slug}) + case.query
    member_client = (api_for if route.is_api else client_for)(getattr(world, case.member))

    response = send(member_client, "GET", url, route.is_api)

    assert response.status_code == 200
    assert leaked(response, world.markers), f"GET {url} shows no org-A marker: the leak check proves nothing"


# Caller-scoped API lists: the outsider's show none of org A; the manager's show org A.
USER_LISTS = ("api-me", "api-org-list")


@pytest.mark.parametrize("name", USER_LISTS)
def test_outsider_user_scoped_list_shows_no_org_a_rows(name, world, api_for):
    outsiders = api_for(world.outsider).get(reverse(name))
    managers = api_for(world.manager).get(reverse(name))

    assert outsiders.status_code == managers.status_code == 200
    assert not leaked(outsiders, world.markers)
    assert leaked(managers, world.markers)


# --- Baseline for every org route, matrix or not: the outsider is refused before any lookup -----

def org_route_names() -> list[str]:
    return sorted({r.key for r in all_routes() if r.org_scoped})


def filler_kwargs(pattern: str, org_slug: str) -> dict:
    """Any well-formed value for each URL kwarg (ids as fresh uuids)."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", pattern) + re.findall(r"\(\?P<(\w+)>", pattern)
    return {n: org_slug if n == "org_slug" else uuid.uuid4() if n == "id" or n.endswith("_id") else "x"
            for n in names}


@pytest.mark.parametrize("name", org_route_names())
def test_outsider_is_refused_on_every_org_route_whatever_the_ids(name, org_a, manager, outsider, client_for, api_for):
    route = routes_by_key()[name]
    try:
        url = reverse(name, kwargs=filler_kwargs(route.pattern, org_a.slug))
    except NoReverseMatch:
        pytest.fail(f"cannot build a URL for {name} ({route.pattern}): add it to COVERAGE with a builder")
    case = Case(member="manager")
    member_world = SimpleNamespace(manager=manager)

    answers = {}
    for label, client, api in clients_of(outsider, route, client_for, api_for):
        for method in ALL_METHODS:
            response = send(client, method, url, api)
            if not refused_for_everyone(response, method, url, api, case, member_world, client_for, api_for):
                answers[f"{method} ({label})"] = response.status_code

    assert set(answers.values()) <= {404}, f"{url}: {answers}"


# --- User-scoped routes with object ids: another user's object is 404 ----------------------------

USER_OBJECT_CASES = {
    "api_token_revoke": ({"token_id"}, ("GET", "POST")),
    "api-token-detail": ({"id"}, ("DELETE",)),
}


@pytest.mark.parametrize("name", sorted(USER_OBJECT_CASES))
def test_outsider_gets_404_for_the_managers_token(name, world, client_for, api_for):
    token, _ = services.token_issue(user=world.manager.user, name="acme-token")
    (kwarg,), methods = USER_OBJECT_CASES[name]
    route = routes_by_key()[name]
    url = reverse(name, kwargs={kwarg: token.pk})

    codes = [send(client, m, url, api).status_code
             for _, client, api in clients_of(world.outsider, route, client_for, api_for) for m in methods]
    token.refresh_from_db()

    assert set(codes) == {404}
    assert token.revoked_at is None


# --- Models --------------------------------------------------------------------------------------

def tenant_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models()
            if any(f.name == "organization" and f.is_relation for f in m._meta.get_fields())]


def test_every_tenant_model_fails_closed_and_is_covered_by_a_route_case():
    models_found = tenant_models()
    not_org_owned = [m.__name__ for m in models_found if not issubclass(m, OrgOwned)]
    uncovered = [m.__name__ for m in models_found
                 if not set(MODEL_COVERAGE.get(m, ())) & set(COVERAGE)]

    assert Membership in models_found
    assert not not_org_owned, f"Tenant models not derived from mentoring.tenancy.OrgOwned: {not_org_owned}"
    assert not uncovered, f"Tenant models with no case in MODEL_COVERAGE: {uncovered}"


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m.__name__)
def test_tenant_model_manager_refuses_unscoped_queries(model):
    with pytest.raises(UnscopedQueryError):
        model.objects.all()


def test_models_pointing_at_tenant_rows_carry_an_organization_themselves():
    tenant = set(tenant_models())
    orphans = [
        f"{m._meta.label}.{f.name}" for m in apps.get_models() if m not in tenant
        and m._meta.label not in TENANT_CHILDREN_WITHOUT_ORG
        for f in m._meta.get_fields()
        if f.many_to_one and f.concrete and f.related_model in tenant]

    assert not orphans, f"Rows that hang off a tenant model without their own organization FK: {orphans}"


def test_model_coverage_names_only_real_cases():
    unknown = {m.__name__: sorted(set(names) - set(COVERAGE)) for m, names in MODEL_COVERAGE.items()
               if set(names) - set(COVERAGE)}
    assert not unknown


def test_route_patterns_use_no_sequential_ids():
    # Public identifiers are uuids or slugs: an ``<int:…>`` in an org route would be guessable.
    guessable = [r.pattern for r in all_routes() if r.org_scoped and re.search(r"<int:|\\d\+", r.pattern)]
    assert not guessable
