"""``manage.py seed_demo``: the demo organisations, their logins and people, then
``--weeks`` of session history (sessions_app/demo/)."""

from django.core.management.base import BaseCommand, CommandError

from mentoring import demo
from mentoring import demo_network
from metrics import demo as metrics_demo
from sessions_app import demo as history_demo


class Command(BaseCommand):
    help = (
        "Seed deterministic demo data: K organisations (northwind, contoso, then org-3, ...), each with "
        "the logins manager@, mentor@, mentee@ and hr@<slug>.example (password "
        f"'{demo.DEMO_PASSWORD}', verified) and N people. Idempotent: only missing rows are created. "
        "Dates count back from the day an org was first seeded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=2, help="Number of organisations (default 2).")
        parser.add_argument("--people", type=int, default=60,
                            help="People per organisation besides the four logins (default 60).")
        parser.add_argument("--weeks", type=int, default=8,
                            help="Weeks of session history up to each org's seed date (availability, "
                                 "sessions, next steps, surveys, kudos; default 8). 0: none. An org that "
                                 "already has sessions is left alone.")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                            help=f"Random seed (default {demo.DEFAULT_SEED}); same seed, same people.")

    def handle(self, *args, orgs, people, weeks, seed, **options):
        if orgs < 1:
            raise CommandError("--orgs must be at least 1.")
        if people < 0 or weeks < 0:
            raise CommandError("--people and --weeks cannot be negative.")
        result = demo.seed(orgs=orgs, people=people, weeks=weeks, seed=seed)
        history = history_demo.seed(slugs=[org.slug for org in result.orgs], weeks=weeks, seed=seed)
        network = demo_network.seed(slugs=[org.slug for org in result.orgs], seed=seed,
                                    history_seeded={org.slug for org in history if not org.skipped})

        out = self.stdout.write
        out(f"{'org':<12} {'people':>7} {'added':>7} {'mentors':>8} {'mentees':>8} {'external':>9} "
            f"{'hired<90d':>9} {'skills':>7} {'work':>6}")
        for org in result.orgs:
            out(f"{org.slug:<12} {org.people:>7} {org.new_people:>7} {org.mentors:>8} {org.mentees:>8} "
                f"{org.external:>9} {org.recent_hires:>9} {org.skills:>7} {org.work_items:>6}")
        added = sum(org.new_people for org in result.orgs)
        out(self.style.SUCCESS(f"Seeded {len(result.orgs)} organisation(s), {added} new people "
                               f"in {result.seconds:.1f} s (seed {seed})."))
        self._history(history, weeks)
        self._network(network)
        self._people_events(metrics_demo.seed(slugs=[org.slug for org in result.orgs], seed=seed))
        out("")
        out(f"Demo logins (password: {demo.DEMO_PASSWORD})")
        for org in result.orgs:
            out(f"  {org.name} — /o/{org.slug}/")
            for role in demo.LOGINS:
                out(f"    {role:<8} {demo.login_email(role, org.slug)}")

    def _history(self, history, weeks) -> None:
        if weeks == 0:
            return
        out = self.stdout.write
        out("")
        out(f"{'org':<12} {'pairs':>6} {'sessions':>9} {'logged':>7} {'cancelled':>10} {'no-show':>8} "
            f"{'to log':>7} {'upcoming':>9} {'steps':>7} {'surveys':>8} {'kudos':>6}")
        for org in history:
            if org.skipped:
                out(f"{org.slug:<12} has session history already: left alone")
                continue
            out(f"{org.slug:<12} {org.pairs:>6} {org.sessions:>9} {org.logged:>7} {org.cancelled:>10} "
                f"{org.no_shows:>8} {org.waiting:>7} {org.upcoming:>9} {org.next_steps:>7} {org.surveys:>8} "
                f"{org.kudos:>6}")
        for org in history:
            if org.programs:
                p = org.programs
                out(f"{org.slug:<12} programs {p['programs']}, cohorts {p['cohorts']}, published pairs "
                    f"{p['published_pairs']}, external mentors with terms {p['external_terms']}")
        seconds = sum(org.seconds for org in history)
        out(self.style.SUCCESS(f"Session history: {weeks} week(s) in {seconds:.1f} s."))

    def _network(self, network) -> None:
        out = self.stdout.write
        out("")
        out(f"{'org':<12} {'listed':>7} {'network sessions':>17} {'ledger entries':>15} {'requests':>9}")
        for org in network:
            out(f"{org.slug:<12} {org.listings:>7} {org.network_sessions:>17} {org.entries:>15} {org.requests:>9}")
        seconds = sum(org.seconds for org in network)
        out(self.style.SUCCESS(f"Network program and time-bank in {seconds:.1f} s."))
    def _people_events(self, summaries) -> None:
        """Role events and ramp milestones (metrics/demo.py)."""
        out = self.stdout.write
        out("")
        for org in summaries:
            if org.skipped:
                out(f"{org.slug:<12} has role events already: left alone")
            else:
                out(f"{org.slug:<12} {org.role_events:>7} role events, {org.milestones:>7} ramp milestones "
                    f"({org.participants} program participants) in {org.seconds:.1f} s")
