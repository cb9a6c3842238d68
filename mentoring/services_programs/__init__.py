"""Programs and cohorts: every write with rules, one function per use case.

The manager's loop: program_create → cohort_create → participants_add →
pairing_run (the engine proposes pairs around the locked ones) → pair_lock /
pair_swap / pair_unpair / pair_assign → cohort_publish → cohort_end. Each change
of a cohort's pairs leaves a PairChange row (who, when, before/after).

The use cases live in modules grouped by step: ``programs`` (programs, cohorts),
``participants``, ``pairing`` (runs), ``pairs`` (adjusting by hand), ``publish``
(publish, end); ``history`` keeps the PairChange rows. Everything public is
re-exported here, so ``from mentoring.services_programs import pair_swap`` works.
"""

from .pairing import BACKGROUND_FROM_MENTEES, pairing_run, pairing_run_execute
from .pairs import pair_assign, pair_lock, pair_swap, pair_unlock, pair_unpair
from .participants import (MAX_CSV_ROWS, participant_remove, participant_update, participants_add,
                           participants_add_by_filter, participants_add_csv)
from .programs import cohort_create, program_create
from .publish import cohort_end, cohort_publish

__all__ = [
    "BACKGROUND_FROM_MENTEES", "MAX_CSV_ROWS", "cohort_create", "cohort_end", "cohort_publish", "pair_assign",
    "pair_lock", "pair_swap", "pair_unlock", "pair_unpair", "pairing_run", "pairing_run_execute",
    "participant_remove", "participant_update", "participants_add", "participants_add_by_filter",
    "participants_add_csv", "program_create",
]
