"""factory_boy factories of programs: programs, cohorts, participants, pairs."""

from datetime import date, timedelta

import factory

from mentoring.models_programs import Cohort, Pair, Participant, Program
from tests.factories import MembershipFactory, ModelFactory, OrganizationFactory


class ProgramFactory(ModelFactory):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    kind = Program.Kind.COHORT
    min_shared_hours = 0.0  # most tests are about other rules


class CohortFactory(ModelFactory):
    class Meta:
        model = Cohort

    program = factory.SubFactory(ProgramFactory)
    organization = factory.LazyAttribute(lambda c: c.program.organization)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    starts_on = date(2026, 3, 2)
    ends_on = factory.LazyAttribute(lambda c: c.starts_on + timedelta(weeks=6))
    ratio = 6


class ParticipantFactory(ModelFactory):
    class Meta:
        model = Participant

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.LazyAttribute(lambda p: p.cohort.organization)
    membership = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))
    role = Participant.Role.MENTEE


class PairFactory(ModelFactory):
    class Meta:
        model = Pair

    cohort = factory.SubFactory(CohortFactory)
    organization = factory.LazyAttribute(lambda p: p.cohort.organization)
    mentee = factory.SubFactory(ParticipantFactory, cohort=factory.SelfAttribute("..cohort"))
    mentor = factory.SubFactory(ParticipantFactory, cohort=factory.SelfAttribute("..cohort"),
                                role=Participant.Role.MENTOR)
    score = 0.5
