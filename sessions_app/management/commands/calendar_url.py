"""``manage.py calendar_url EMAIL [--org SLUG]``: print the member's calendar
feed URL (the last word printed), creating the feed on first use."""

from django.core.management.base import BaseCommand, CommandError

from mentoring.models import Membership
from sessions_app.services.booking import calendar_feed_for, calendar_feed_url


class Command(BaseCommand):
    help = "Print the subscribable calendar feed URL (/calendar/<secret>.ics) of the member with this email."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--org", help="Organisation slug, needed when the person is in several.")

    def handle(self, *args, email, org, **options):
        email = email.strip()
        # No org boundary is crossed: the operator names the person, and --org picks the tenant.
        members = Membership.unscoped.select_related("organization").filter(
            email__iexact=email, is_active=True).order_by("organization__slug")
        if org:
            members = members.filter(organization__slug=org)
        members = list(members)
        if not members:
            where = f" in the organisation “{org}”" if org else ""
            raise CommandError(f"No active member with the email {email}{where}.")
        if len(members) > 1:
            slugs = ", ".join(m.organization.slug for m in members)
            raise CommandError(f"{email} is a member of several organisations ({slugs}); pass --org SLUG.")
        member = members[0]
        feed = calendar_feed_for(member)
        self.stdout.write(f"Calendar feed of {member.display_name} in {member.organization.name} "
                          f"(keep it private; anyone with the link can read it):")
        self.stdout.write(calendar_feed_url(feed))
