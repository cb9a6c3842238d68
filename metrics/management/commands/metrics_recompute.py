"""``python manage.py metrics_recompute [--org SLUG]``: recompute the dashboards'
snapshots now (what the nightly beat task does), e.g. after a bulk import or seed."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from mentoring.models import Organization
from metrics.snapshots import snapshots_recompute_full


class Command(BaseCommand):
    help = "Recompute the dashboard snapshots of every organisation (or one)."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="slug of one organisation")

    def handle(self, *args, org=None, **options):
        orgs = Organization.objects.order_by("slug")
        if org:
            orgs = orgs.filter(slug=org)
            if not orgs.exists():
                raise CommandError(f"No organisation with slug {org!r}.")
        for one in orgs:
            started = time.perf_counter()
            rows = snapshots_recompute_full(one)
            self.stdout.write(f"{one.slug}: {rows} snapshot rows in {time.perf_counter() - started:.2f} s")
