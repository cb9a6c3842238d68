"""factory_boy factories of the session loop: sessions (with their time
claims, as booking makes them), next steps, survey answers, kudos, agendas."""

from datetime import timedelta

import factory
from django.utils import timezone

from sessions_app.models import (AgendaTemplate, Kudos, MentoringSession, NextStep, OutcomeType, SurveyResponse,
                                 TimeClaim)
from tests.factories import MembershipFactory, ModelFactory, OrganizationFactory


def _past_start(n: int):
    """Past slots an hour apart (2–12 days ago: "recent"), on a 5-minute boundary."""
    now = timezone.now().replace(second=0, microsecond=0)
    return now - timedelta(days=2, hours=n % 240, minutes=now.minute % 5)


class AgendaTemplateFactory(ModelFactory):
    class Meta:
        model = AgendaTemplate

    organization = factory.SubFactory(OrganizationFactory)
    outcome_type = OutcomeType.CODE_REVIEW
    name = factory.Sequence(lambda n: f"Agenda {n}")
    prompts = "What do we look at?\nWhat changes first?"


class MentoringSessionFactory(ModelFactory):
    """A booked session in the past (waiting to be logged) unless told otherwise.
    ``MentoringSessionFactory(logged=True)`` is a logged one (30 minutes, code review)."""

    class Meta:
        model = MentoringSession
        skip_postgeneration_save = True

    class Params:
        logged = factory.Trait(
            status=MentoringSession.Status.DONE,
            actual_minutes=30,
            outcome_type=OutcomeType.CODE_REVIEW,
            logged_at=factory.LazyAttribute(lambda s: s.end),
        )

    organization = factory.SubFactory(OrganizationFactory)
    mentor = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"),
                                is_mentor=True)
    mentee = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"),
                                is_mentee=True)
    start = factory.Sequence(_past_start)
    end = factory.LazyAttribute(lambda s: s.start + timedelta(minutes=30))
    booked_by = factory.SelfAttribute("mentor")

    @factory.post_generation
    def claims(self, create, extracted, **kwargs):
        """Each participant's claim on the time, as ``session_book`` makes them."""
        if create:
            active = self.status != MentoringSession.Status.CANCELLED
            TimeClaim.unscoped.bulk_create([
                TimeClaim(organization=self.organization, session=self, membership=person, start=self.start,
                          end=self.end, active=active)
                for person in (self.mentor, self.mentee)])


class NextStepFactory(ModelFactory):
    class Meta:
        model = NextStep

    session = factory.SubFactory(MentoringSessionFactory, logged=True)
    organization = factory.SelfAttribute("session.organization")
    owner = factory.SelfAttribute("session.mentee")
    title = factory.Sequence(lambda n: f"Next step {n}")
    due_date = factory.LazyAttribute(lambda s: s.session.start.date() + timedelta(days=7))


class SurveyResponseFactory(ModelFactory):
    class Meta:
        model = SurveyResponse

    session = factory.SubFactory(MentoringSessionFactory, logged=True)
    organization = factory.SelfAttribute("session.organization")
    respondent = factory.SelfAttribute("session.mentee")
    usefulness = 4


class KudosFactory(ModelFactory):
    class Meta:
        model = Kudos

    organization = factory.SubFactory(OrganizationFactory)
    giver = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))
    receiver = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))
    message = "Thanks for the review!"
