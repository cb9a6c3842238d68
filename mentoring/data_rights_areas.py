"""Data rights of the core's later areas (mentoring/data_rights.py has the registry): the time-bank,
the network model (directory listings, session requests), external mentors (terms, agreements) and
programs (a participant's own goals, the pairing history that names them).

Erasure keeps what other people need — the other party's requests and time-bank entries, the cohort's
pairs — and blanks or removes what is about the person. Registered by ``MentoringConfig.ready``.
"""

from __future__ import annotations

import json

from .data_rights import FORMER_MEMBER, collector, eraser, skills_delete_unused
from .models import Membership, MentorListing, SessionRequest, TimeAccount, TimeEntry
from .models_external import EngagementAgreement, ExternalTerms
from .models_programs import PairChange, Participant


# --- Export ------------------------------------------------------------------------------------------

@collector("time_bank")
def _export_time_bank(m: Membership) -> dict:
    org = m.organization
    account = TimeAccount.objects.for_org(org).filter(membership=m).first()
    entries = TimeEntry.objects.for_org(org).filter(membership=m).order_by("created_at", "id")
    return {"balance_minutes": account.balance_minutes if account else 0,
            "entries": [{"kind": e.kind, "minutes": e.minutes, "balance_after": e.balance_after, "reason": e.reason,
                         "session": e.session_id, "at": e.created_at} for e in entries]}


@collector("session_requests")
def _export_session_requests(m: Membership) -> dict:
    rows = SessionRequest.objects.for_org(m.organization).select_related("mentor", "mentee", "program") \
        .order_by("created_at", "id")

    def view(r: SessionRequest, other: Membership) -> dict:
        return {"with": other.display_name, "program": r.program.name, "start": r.start, "minutes": r.minutes,
                "note": r.note, "status": r.status, "response": r.response, "created_at": r.created_at,
                "answered_at": r.answered_at}

    return {"sent": [view(r, r.mentor) for r in rows.filter(mentee=m)],
            "received": [view(r, r.mentee) for r in rows.filter(mentor=m)]}


@collector("mentor_listings")
def _export_listings(m: Membership) -> list[dict]:
    listings = MentorListing.objects.for_org(m.organization).filter(membership=m).select_related("program") \
        .prefetch_related("topics").order_by("created_at")
    return [{"program": listing.program.name, "about": listing.about,
             "topics": sorted(t.name for t in listing.topics.all()), "weekly_capacity": listing.weekly_capacity,
             "is_available": listing.is_available, "unavailable_message": listing.unavailable_message}
            for listing in listings]


@collector("external_engagement")
def _export_external(m: Membership) -> dict:
    org = m.organization
    terms = ExternalTerms.objects.for_org(org).filter(mentor=m).first()
    agreements = EngagementAgreement.objects.for_org(org).filter(mentor=m).order_by("number")
    return {"terms": None if terms is None else {
                "hourly_rate": terms.hourly_rate, "currency": terms.currency, "trial_sessions": terms.trial_sessions,
                "trial_starts_on": terms.trial_starts_on, "trial_ends_on": terms.trial_ends_on,
                "monthly_cap": terms.monthly_cap},
            "agreements": [{"number": a.number, "body": a.body, "terms": a.terms, "created_at": a.created_at,
                            "accepted_at": a.accepted_at, "superseded_at": a.superseded_at} for a in agreements]}


@collector("program_participations")
def _export_participations(m: Membership) -> list[dict]:
    rows = Participant.objects.for_org(m.organization).filter(membership=m).select_related("cohort__program") \
        .prefetch_related("goal_skills").order_by("cohort__starts_on", "id")
    return [{"program": p.cohort.program.name, "cohort": p.cohort.name, "role": p.role, "goals": p.goals,
             "goal_skills": sorted(s.name for s in p.goal_skills.all()), "capacity": p.capacity}
            for p in rows]


# --- Erasure -----------------------------------------------------------------------------------------

@eraser("time_bank")
def _erase_time_bank(m: Membership) -> int:
    """Their account and its entries are only about them (the other party's entries stay)."""
    org = m.organization
    deleted = TimeEntry.objects.for_org(org).filter(membership=m).delete()[0]
    return deleted + TimeAccount.objects.for_org(org).filter(membership=m).delete()[0]


@eraser("session_requests")
def _erase_request_texts(m: Membership) -> int:
    """The rows stay for the other party; what the person wrote goes."""
    scoped = SessionRequest.objects.for_org(m.organization)
    return (scoped.filter(mentee=m).exclude(note="").update(note="")
            + scoped.filter(mentor=m).exclude(response="").update(response=""))


@eraser("mentor_listings")
def _erase_listings(m: Membership) -> int:
    listings = MentorListing.objects.for_org(m.organization).filter(membership=m)
    topic_ids = set(MentorListing.topics.through.objects.filter(mentorlisting__in=listings)
                    .values_list("skill_id", flat=True))
    deleted = listings.delete()[0]
    skills_delete_unused(m.organization, topic_ids)  # a topic only they offered names what they know
    return deleted


@eraser("external_engagement")
def _erase_external(m: Membership) -> int:
    """Terms and agreements (their name, their rate) are only about them; the core also clears
    ``is_external`` and the rate on the membership."""
    org = m.organization
    deleted = EngagementAgreement.objects.for_org(org).filter(mentor=m).delete()[0]
    return deleted + ExternalTerms.objects.for_org(org).filter(mentor=m).delete()[0]


@eraser("program_goals")
def _erase_goals(m: Membership) -> int:
    """Participations stay (the cohort's pairs and counts need them); their goals go."""
    rows = list(Participant.objects.for_org(m.organization).filter(membership=m))
    goal_skill_ids = set(Participant.goal_skills.through.objects.filter(participant__in=rows)
                         .values_list("skill_id", flat=True))
    for participant in rows:
        participant.goal_skills.clear()
    Participant.objects.for_org(m.organization).filter(pk__in=[p.pk for p in rows]).update(goals="")
    skills_delete_unused(m.organization, goal_skill_ids)  # a skill only they wanted names what they lack
    return len(rows)


@eraser("pairing_history")
def _erase_pairing_mentions(m: Membership) -> int:
    """Pairing history of their cohorts names them in its summary and before/after snapshots."""
    if not m.display_name:
        return 0
    scoped = PairChange.objects.for_org(m.organization)
    cohorts = Participant.objects.for_org(m.organization).filter(membership=m).values("cohort_id")
    touched = 0
    for change in scoped.filter(cohort__in=cohorts):
        texts = [change.summary, json.dumps(change.before), json.dumps(change.after)]
        if not any(m.display_name in text for text in texts):
            continue
        summary, before, after = (text.replace(m.display_name, FORMER_MEMBER) for text in texts)
        scoped.filter(pk=change.pk).update(summary=summary, before=json.loads(before), after=json.loads(after))
        touched += 1
    return touched
