"""Org-A external-mentor rows for the cross-tenant matrix (tests/test_tenancy_coverage.py):
an external mentor with terms, an accepted agreement, a logged session, and the org's template."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from mentoring import services_external as svc
from mentoring.selectors_external import org_today
from mentoring.models_external import EngagementTemplate, ExternalTerms
from tests.factories import MembershipFactory
from tests.factories_sessions import MentoringSessionFactory


def external_world(manager, mentee) -> SimpleNamespace:
    org = manager.organization
    expert = MembershipFactory(organization=org, is_mentor=True, is_external=True, display_name="Xaver Acmexternal",
                               user__email="xaver@acme.test")
    svc.agreement_template_update(actor=manager, body="Acmetemplate: {mentor} at {rate} {currency}")
    today = org_today(manager.organization)
    agreement = svc.external_terms_set(
        actor=manager, mentor=expert, hourly_rate="120.00", currency="EUR", trial_sessions=2,
        trial_starts_on=today - timedelta(days=30), trial_ends_on=today + timedelta(days=3), monthly_cap=8)
    svc.agreement_accept(actor=expert, agreement=agreement, now=timezone.now() - timedelta(days=20))
    session = MentoringSessionFactory(organization=org, mentor=expert, mentee=mentee, logged=True,
                                      start=timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2))
    return SimpleNamespace(
        mentor=expert, agreement=agreement, session=session,
        terms=ExternalTerms.objects.for_org(org).get(mentor=expert),
        template=EngagementTemplate.objects.for_org(org).get(),
        month=org_today(org).strftime("%Y-%m"),
        markers=("Acmexternal", "Acmetemplate", str(agreement.pk), str(expert.pk)))
