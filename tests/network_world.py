"""Org-A network-model rows for the cross-tenant matrix (tests/test_tenancy_coverage.py): a network
program, the mentor's directory listing, an open session request from the mentee, and the mentee's
time-bank account with a manager's adjustment."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from mentoring.models import MentorListing, Program, SessionRequest, TimeAccount
from mentoring.services_timebank import timebank_adjust


def network_world(manager, mentor, mentee) -> SimpleNamespace:
    org = mentee.organization
    program = Program.objects.for_org(org).create(organization=org, name="Acmeguild", kind=Program.Kind.NETWORK)
    listing = MentorListing.objects.for_org(org).create(organization=org, program=program, membership=mentor,
                                                        about="Acmelisting: ask me about parsers")
    listing.topics.set([])
    start = (timezone.now() + timedelta(days=4)).replace(hour=11, minute=0, second=0, microsecond=0)
    request = SessionRequest.objects.for_org(org).create(
        organization=org, program=program, mentor=mentor, mentee=mentee, start=start, minutes=30,
        note="Acmerequest: review my design doc")
    entry = timebank_adjust(actor=manager, member=mentee, minutes=15, reason="Acmeadjust: ran a clinic")
    account = TimeAccount.objects.for_org(org).get(membership=mentee)
    return SimpleNamespace(
        program=program, listing=listing, request=request, entry=entry, account=account,
        markers=("Acmeguild", "Acmelisting", "Acmerequest", "Acmeadjust", str(program.pk), str(listing.pk),
                 str(request.pk), str(entry.pk)))
