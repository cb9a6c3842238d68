"""``manage.py issue_token EMAIL [--name NAME]``: print a new personal API token.
The token is the last word printed, so scripts can take it with ``awk '{print $NF}'``."""

from django.core.management.base import BaseCommand, CommandError

from mentoring.errors import DomainError
from mentoring.models import User
from mentoring.services import token_issue


class Command(BaseCommand):
    help = "Issue a personal API token (Authorization: Bearer …) for the user with this email."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="Command line", help="A label to recognise the token by.")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {email}. They must sign up (by invitation) first.")
        if not user.is_active:
            raise CommandError(f"The account {user.email} is deactivated; no token issued.")
        try:
            token, raw = token_issue(user=user, name=name)
        except DomainError as error:
            raise CommandError(f"--name: {error.first_message}") from None
        self.stdout.write(f"API token “{token.name}” for {user.email} (shown once; only its hash is stored):")
        self.stdout.write(raw)
