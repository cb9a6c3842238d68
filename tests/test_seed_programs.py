"""``seed_demo`` adds programs (ended cohorts with published pairs, a draft
cohort whose pairing must rotate away from them; the network program is
mentoring/demo_network.py's) and
external mentors with terms, accepted agreements and statements."""

from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from mentoring import selectors_external as sel
from mentoring import services_programs as svc
from mentoring.models import Membership, Organization
from mentoring.models_external import EngagementAgreement, ExternalTerms
from mentoring.models_programs import Cohort, Pair, Program
from sessions_app.models import MentoringSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    call_command("seed_demo", "--orgs", "1", "--people", "60", "--weeks", "6", stdout=StringIO())
    return Organization.objects.get(slug="northwind")


def test_programs_have_ended_published_cohorts_and_a_draft_one(org):
    programs = {p.name: p.kind for p in Program.objects.for_org(org)}
    cohorts = {c.name: c.status for c in Cohort.objects.for_org(org)}

    assert programs == {"New-joiner mentoring": "cohort", "Open mentoring network": "network"}
    assert cohorts == {"Cohort 1": "ended", "Cohort 2": "ended", "Cohort 3": "draft"}
    assert Pair.objects.for_org(org).filter(cohort__name="Cohort 2").exists()


def test_pairing_the_draft_cohort_avoids_the_pairs_of_the_last_cohorts(org):
    manager = Membership.objects.for_org(org).get(email="manager@northwind.example")
    draft = Cohort.objects.for_org(org).get(status="draft")
    recent = set(Pair.objects.for_org(org).filter(cohort__status="ended")
                 .values_list("mentee__membership_id", "mentor__membership_id"))

    svc.pairing_run(actor=manager, cohort=draft)

    proposed = set(Pair.objects.for_org(org).filter(cohort=draft)
                   .values_list("mentee__membership_id", "mentor__membership_id"))
    assert proposed and not proposed & recent


def test_every_external_mentor_has_terms_and_an_agreement_accepted_before_their_sessions(org):
    externals = Membership.objects.for_org(org).filter(is_external=True, is_active=True)
    agreements = EngagementAgreement.objects.for_org(org).filter(accepted_at__isnull=False)
    first_session = MentoringSession.objects.for_org(org).filter(mentor__is_external=True).order_by("start").first()

    assert ExternalTerms.objects.for_org(org).count() == externals.count() > 0
    assert agreements.count() == externals.count()
    assert first_session is None or all(a.accepted_at < first_session.start for a in agreements)


def test_an_external_mentor_s_statement_covers_their_logged_sessions(org):
    session = MentoringSession.objects.for_org(org).filter(mentor__is_external=True, status="done") \
        .order_by("-start").first()
    month = sel.month_parse(None, default=session.start.astimezone(ZoneInfo(org.time_zone)).date())

    statement = sel.compensation_statement(org, session.mentor, month)

    assert str(session.pk) in {line.session_id for line in statement.lines}
    assert all(line.amount > 0 for line in statement.lines)


def test_seeding_again_adds_no_programs_or_terms(org):
    before = (Program.objects.for_org(org).count(), ExternalTerms.objects.for_org(org).count())
    call_command("seed_demo", "--orgs", "1", "--people", "60", "--weeks", "6", stdout=StringIO())

    assert (Program.objects.for_org(org).count(), ExternalTerms.objects.for_org(org).count()) == before
