"""A small org-A history for the dashboard tests: enough people to meet k = 5,
a published cohort, a comparison group, a tiny team and a team that differs
from the cohort by one person.

People (besides the conftest manager / mentor / mentee / HR, team Platform):
- p0–p5: mentees of the cohort (p0–p4 in team Platform, p5 in team Data);
  hired 60 days ago, ramped 10 + i days later (p5 not yet: censored).
- c0–c5: never in a program (team Data), hired 60 days ago, ramped 30 + i
  days later (c5 not yet).
- t0, t1: team Tiny (2 people), one hire each.
Sessions: the mentor with each of p0–p5 once a week for the last 3 weeks,
logged with one next step and a survey answer.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from mentoring.models_programs import Cohort
from metrics.models import RampMilestone, RampMilestoneDefinition, RoleEvent
from metrics.selectors import org_today
from sessions_app.models import MentoringSession
from tests.factories import PersonFactory
from tests.factories_programs import CohortFactory, ParticipantFactory, ProgramFactory
from tests.factories_sessions import MentoringSessionFactory, NextStepFactory, SurveyResponseFactory


def dash_world(org, mentor) -> SimpleNamespace:
    today = org_today(org)
    hired = today - timedelta(days=60)
    definition = RampMilestoneDefinition.objects.for_org(org).create(organization=org, name="First change shipped")
    program = ProgramFactory(organization=org, name="Dashprogram")
    cohort = CohortFactory(program=program, organization=org, name="Dashcohort", status=Cohort.Status.PUBLISHED,
                           starts_on=today - timedelta(weeks=3), ends_on=today + timedelta(weeks=3))
    ParticipantFactory(cohort=cohort, organization=org, membership=mentor, role="mentor")
    participants = [PersonFactory(organization=org, display_name=f"Dashpart {i}", team="Platform" if i < 5 else "Data")
                    for i in range(6)]
    others = [PersonFactory(organization=org, display_name=f"Dashother {i}", team="Data") for i in range(6)]
    tiny = [PersonFactory(organization=org, display_name=f"Dashtiny {i}", team="Tiny") for i in range(2)]
    for person in participants:
        ParticipantFactory(cohort=cohort, organization=org, membership=person, role="mentee")
    events, milestones = [], []
    for offset, people in ((10, participants), (30, others)):
        for i, person in enumerate(people):
            events.append(RoleEvent(organization=org, member=person, kind="hire", effective_on=hired))
            if i < 5:
                milestones.append(RampMilestone(organization=org, member=person, definition=definition,
                                                reached_on=hired + timedelta(days=offset + i)))
    events += [RoleEvent(organization=org, member=p, kind="hire", effective_on=hired) for p in tiny]
    RoleEvent.unscoped.bulk_create(events)
    RampMilestone.unscoped.bulk_create(milestones)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for week in range(1, 4):
        for i, person in enumerate(participants):
            start = now - timedelta(weeks=week, hours=i + 1)
            session = MentoringSessionFactory(organization=org, mentor=mentor, mentee=person, start=start,
                                              end=start + timedelta(minutes=20), logged=True, actual_minutes=20,
                                              status=MentoringSession.Status.DONE)
            NextStepFactory(session=session, organization=org, owner=person,
                            due_date=start.date() + timedelta(days=7))
            SurveyResponseFactory(session=session, organization=org, respondent=person, usefulness=3 + (i % 3),
                                  comment=f"Dashcomment {i}" if week == 1 else "")
    return SimpleNamespace(org=org, program=program, cohort=cohort, participants=participants, others=others,
                           tiny=tiny, definition=definition)
