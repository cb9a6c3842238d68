"""Pairing runs: the engine proposes pairs around the locked ones, within the
request for small cohorts or in the background for large ones."""

from __future__ import annotations

import logging
import time

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import selectors_programs as sel
from ..errors import Conflict, DomainError
from ..models import Membership
from ..models_programs import Cohort, Pair, PairChange, PairingRun, Participant
from ..outbox import enqueue_on_commit
from ..pairing import solver
from ..pairing.instance import InstanceError, prepare
from ..services import require_role
from .history import _record
from .programs import _editable

logger = logging.getLogger(__name__)
BACKGROUND_FROM_MENTEES = 200  # smaller cohorts pair within the request


@transaction.atomic
def pairing_run(*, actor: Membership, cohort: Cohort) -> PairingRun:
    """Start a run; small cohorts are paired before this returns, large ones by
    ``pairing_run_task`` after commit (the page polls the run's progress)."""
    require_role(actor, "manager")
    cohort = _editable(cohort)
    org = cohort.organization
    if PairingRun.objects.for_org(org).filter(cohort=cohort, status__in=["queued", "running"]).exists():
        raise Conflict("Pairing is already running for this cohort.")
    mentees = Participant.objects.for_org(org).filter(cohort=cohort, role="mentee").count()
    if not mentees or not Participant.objects.for_org(org).filter(cohort=cohort, role="mentor").exists():
        raise DomainError("Add at least one mentor and one mentee first.")
    try:
        with transaction.atomic():
            run = PairingRun.objects.for_org(org).create(
                organization=org, cohort=cohort, requested_by=actor, mentee_count=mentees,
                in_background=mentees >= BACKGROUND_FROM_MENTEES, stage="Queued")
            if run.in_background:
                from ..tasks_programs import pairing_run_task

                enqueue_on_commit(pairing_run_task, str(run.pk))  # kept in the outbox if Redis is down
    except IntegrityError:
        raise Conflict("Pairing is already running for this cohort.") from None
    if not run.in_background:
        pairing_run_execute(run=run)
        run.refresh_from_db()
    return run


def _progress(run: PairingRun, progress: int, stage: str, **extra) -> None:
    # Plain UPDATEs outside the final transaction, so a polling page sees each stage.
    PairingRun.objects.for_org(run.organization).filter(pk=run.pk).update(progress=progress, stage=stage, **extra)


def pairing_run_execute(*, run: PairingRun) -> PairingRun:
    """Do one run: build the engine instance from the database, solve, store.
    Idempotent: a run that is no longer queued is left alone (task redelivery)."""
    org = run.organization
    claimed = PairingRun.objects.for_org(org).filter(pk=run.pk, status=PairingRun.Status.QUEUED) \
        .update(status=PairingRun.Status.RUNNING, progress=5, stage="Reading participants")
    if not claimed:
        return run
    started = time.perf_counter()
    try:
        cohort = Cohort.objects.for_org(org).select_related("organization", "program").get(pk=run.cohort_id)
        built = sel.pairing_instance(cohort)
        sizes = len(built.instance["mentees"]), len(built.instance["mentors"])
        _progress(run, 25, "Scoring {} mentees × {} mentors".format(*sizes))
        prepared = prepare(built.instance)
        _progress(run, 60, "Finding the best pairs")
        chosen = solver.assign(prepared.matrix, prepared.capacity)
        _progress(run, 85, "Saving the proposed pairs")
        with transaction.atomic():
            result = _store_run(run, cohort, built, prepared, chosen, time.perf_counter() - started)
    except (Conflict, DomainError, InstanceError) as exc:
        message = exc.first_message if isinstance(exc, DomainError) else str(exc)
        _progress(run, 100, "Failed", status=PairingRun.Status.FAILED, error=message, finished_at=timezone.now())
        run.refresh_from_db()
        return run
    except Exception as exc:
        logger.exception("Pairing run %s failed", run.pk)
        _progress(run, 100, "Failed", status=PairingRun.Status.FAILED, error=f"Unexpected error: {exc}"[:500],
                  finished_at=timezone.now())
        raise
    return result


def _store_run(run, cohort, built, prepared, chosen, seconds) -> PairingRun:
    org = cohort.organization
    cohort = _editable(cohort)
    locked_now = set(Pair.objects.for_org(org).filter(cohort=cohort, locked=True).values_list("pk", flat=True))
    if locked_now != built.locked_pair_ids:
        raise Conflict("Locked pairs changed while pairing ran; run it again.")
    old = Pair.objects.for_org(org).filter(cohort=cohort, locked=False)
    before = {"unlocked_pairs": old.count(), "locked_pairs": len(locked_now)}
    old.delete()
    participant_of = built.participant_of  # membership id (engine id) -> participant id, per role
    pairs = []
    for i, j in chosen:
        mentee_id, mentor_id = prepared.mentee_ids[i], prepared.mentor_ids[j]
        pairs.append(Pair(organization=org, cohort=cohort, mentee_id=participant_of["mentee"][mentee_id],
                          mentor_id=participant_of["mentor"][mentor_id], score=round(float(prepared.matrix[i, j]), 4),
                          reasons=prepared.explain(i, j) if prepared.explain else []))
    Pair.objects.for_org(org).bulk_create(pairs, batch_size=1000)
    matched = {i for i, _ in chosen}
    why = {participant_of["mentee"][e]: _why(i, prepared) for i, e in enumerate(prepared.mentee_ids)
           if i not in matched}
    mentees = Participant.objects.for_org(org).filter(cohort=cohort, role="mentee")
    mentees.exclude(pk__in=list(why)).exclude(unmatched_why="").update(unmatched_why="")
    for participant_id, text in why.items():  # usually few
        mentees.filter(pk=participant_id).update(unmatched_why=text[:300])
    objective = float(sum(p.score for p in pairs))
    PairingRun.objects.for_org(org).filter(pk=run.pk).update(
        status=PairingRun.Status.DONE, progress=100, stage="Done", pair_count=len(pairs),
        unmatched_count=len(why), objective=objective, seconds=seconds, finished_at=timezone.now(),
        mentee_count=len(prepared.mentee_ids) + len(built.locked_pair_ids))
    _record(cohort, run.requested_by, PairChange.Action.RUN,
            f"Proposed {len(pairs)} pair(s) around {len(locked_now)} locked; {len(why)} mentee(s) unmatched",
            before=before, after={"pairs": len(pairs), "unmatched": len(why), "objective": round(objective, 4)})
    run.refresh_from_db()
    return run


def _why(i: int, prepared) -> str:
    total = len(prepared.mentor_ids)
    allowed = int((~np.isnan(prepared.matrix[i])).sum())
    if total == 0:
        return "no mentor has room left"
    if allowed:
        return f"all {allowed} mentor(s) this mentee may be paired with are full"
    rules = [f"{count} {rule}" for rule, count in prepared.excluded(i).items() if count]
    return f"no mentor allowed among {total}: " + ", ".join(rules)
