"""Celery tasks of programs: thin, idempotent, calling services."""

from __future__ import annotations

from celery import shared_task

from .models_programs import PairingRun
from .services_programs import pairing_run_execute


@shared_task(name="mentoring.tasks_programs.pairing_run_task", ignore_result=True)
def pairing_run_task(run_id: str) -> str:
    """Run the engine for a large cohort; the run row carries the progress the
    page polls. The id came from our own code, hence ``unscoped``: the run row
    names its organisation. A redelivered task finds the run no longer queued."""
    run = PairingRun.unscoped.select_related("organization").filter(pk=run_id).first()
    if run is None:
        return "gone"
    return pairing_run_execute(run=run).status
