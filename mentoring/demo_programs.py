"""Demo programs and external mentors (issue 3), seeded after the session
history (sessions_app/demo/) from the pairs that history used:

- a cohort program with two ended cohorts whose pairs were published — the
  later one is the pairs the history's sessions were given in, the earlier one
  a rotation of them — and a draft cohort with the same people, so pairing it
  must avoid the last pairs (rotation);
- (the network program, its directory and ledger come from mentoring/demo_network.py);
- for every external mentor: terms (their profile rate, a paid trial of 3
  sessions), the agreement rendered from the default template and accepted
  before their first session, so statements cover their logged history.
  Trials are spread so that some end soon, some have ended.

Rows are written with bulk_create in batches: ``--people 10000`` stays quick.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


from .models import Membership, Organization
from .models_external import DEFAULT_AGREEMENT_TEMPLATE, EngagementAgreement, ExternalTerms
from .models_programs import Cohort, Pair, PairChange, Participant, Program

BATCH = 2000
COHORT_WEEKS = 6
TRIAL_SESSIONS = 3
TRIAL_DAYS = 42


def seed_org(org: Organization, *, pairs: list[tuple], anchor: date, weeks: int, rng: random.Random) -> dict:
    """``pairs``: (mentee id, mentor id) of the session history. Returns counts."""
    counts = {"programs": 0, "cohorts": 0, "published_pairs": 0, "external_terms": 0}
    manager = Membership.objects.for_org(org).filter(is_manager=True, is_active=True).order_by("email").first()
    if not Program.objects.for_org(org).exists() and pairs:
        counts.update(_programs(org, manager, pairs, anchor))
    counts["external_terms"] = _externals(org, manager, anchor, weeks, rng)
    return counts


def _programs(org, manager, pairs, anchor) -> dict:
    program = Program.objects.for_org(org).create(
        organization=org, name="New-joiner mentoring", kind=Program.Kind.COHORT, created_by=manager,
        description="Six-week cohorts pairing new joiners with mentors who work on what they work on.")
    # One role per person in a cohort: someone both mentored and mentoring takes part as a mentee.
    mentee_ids = {mentee for mentee, _ in pairs}
    pairs = [(mentee, mentor) for mentee, mentor in pairs if mentor not in mentee_ids]
    mentors = [mentor for _, mentor in pairs]
    rotated = list(zip([mentee for mentee, _ in pairs], mentors[1:] + mentors[:1]))
    length = timedelta(weeks=COHORT_WEEKS)
    second_start = anchor - length - timedelta(days=7)
    plans = [("Cohort 1", second_start - length - timedelta(days=14), rotated, Cohort.Status.ENDED),
             ("Cohort 2", second_start, pairs, Cohort.Status.ENDED),
             ("Cohort 3", anchor + timedelta(days=7), None, Cohort.Status.DRAFT)]
    tz = ZoneInfo(org.time_zone)
    published = 0
    for name, starts, cohort_pairs, status in plans:
        moment = datetime.combine(starts, time(9), tzinfo=tz)
        cohort = Cohort.objects.for_org(org).create(
            organization=org, program=program, name=name, starts_on=starts, ends_on=starts + length,
            ratio=org.cohort_ratio, status=status,
            published_at=moment - timedelta(days=3) if status != Cohort.Status.DRAFT else None,
            ended_at=datetime.combine(starts + length, time(18), tzinfo=tz) if status == Cohort.Status.ENDED else None)
        people = {"mentee": list(dict.fromkeys(m for m, _ in pairs)), "mentor": list(dict.fromkeys(mentors))}
        participant = {}
        rows = []
        for role, ids in people.items():
            for person_id in ids:
                row = Participant(organization=org, cohort=cohort, membership_id=person_id, role=role)
                participant[(role, person_id)] = row
                rows.append(row)
        Participant.objects.for_org(org).bulk_create(rows, batch_size=BATCH)
        if cohort_pairs is None:
            continue
        Pair.objects.for_org(org).bulk_create([
            Pair(organization=org, cohort=cohort, mentee=participant[("mentee", mentee)],
                 mentor=participant[("mentor", mentor)], origin=Pair.Origin.ENGINE, reasons=[])
            for mentee, mentor in dict(cohort_pairs).items()], batch_size=BATCH)
        published += len(dict(cohort_pairs))
        PairChange.objects.for_org(org).create(organization=org, cohort=cohort, actor=manager,
                                               action=PairChange.Action.PUBLISH,
                                               summary=f"Published {len(dict(cohort_pairs))} pair(s) (demo history)")
    return {"programs": 2, "cohorts": len(plans), "published_pairs": published}


def _externals(org, manager, anchor, weeks, rng) -> int:
    from .services_external import agreement_render

    have = set(ExternalTerms.objects.for_org(org).values_list("mentor_id", flat=True))
    externals = [m for m in Membership.objects.for_org(org).filter(is_external=True, is_active=True)
                 .order_by("email") if m.pk not in have]
    history_start = anchor - timedelta(weeks=max(weeks, 1))
    tz = ZoneInfo(org.time_zone)
    terms_rows, agreements = [], []
    for index, mentor in enumerate(externals):
        # Spread the trials: every third ends within a week of the seed day, others earlier or later.
        if index % 3 == 0:
            ends = anchor + timedelta(days=rng.randint(1, 6))
        else:
            ends = anchor + timedelta(days=rng.randint(-(7 * max(weeks, 1)), 40))
        starts = ends - timedelta(days=TRIAL_DAYS)
        terms = ExternalTerms(organization=org, mentor=mentor, hourly_rate=mentor.hourly_rate or 100,
                              currency=mentor.currency or "EUR", trial_sessions=TRIAL_SESSIONS,
                              trial_starts_on=starts, trial_ends_on=ends, monthly_cap=12, updated_by=manager)
        terms_rows.append(terms)
        accepted = datetime.combine(min(starts, history_start) - timedelta(days=2), time(10), tzinfo=tz)
        snapshot = {"hourly_rate": f"{terms.hourly_rate:.2f}", "currency": terms.currency,
                    "trial_sessions": TRIAL_SESSIONS, "trial_starts_on": starts.isoformat(),
                    "trial_ends_on": ends.isoformat(), "monthly_cap": 12}
        values = {"mentor": mentor.display_name, "org": org.name, "rate": snapshot["hourly_rate"],
                  "currency": terms.currency, "trial_sessions": str(TRIAL_SESSIONS),
                  "trial_starts": f"{starts:%d %B %Y}", "trial_ends": f"{ends:%d %B %Y}", "cap": "12"}
        agreements.append(EngagementAgreement(
            organization=org, mentor=mentor, number=1, template_version=0, terms=snapshot, created_by=manager,
            body=agreement_render(DEFAULT_AGREEMENT_TEMPLATE, values),
            accepted_at=accepted, accepted_by=mentor))
    ExternalTerms.objects.for_org(org).bulk_create(terms_rows, batch_size=BATCH)
    created = EngagementAgreement.objects.for_org(org).bulk_create(agreements, batch_size=BATCH)
    # Created when accepted's day began (auto_now_add stamped the seeding moment).
    for agreement in created:
        agreement.created_at = agreement.accepted_at - timedelta(days=1)
    EngagementAgreement.objects.for_org(org).bulk_update(created, ["created_at"], batch_size=BATCH)
    return len(terms_rows)
