"""Writing the seeded history: row ids from the seeded stream, the columns
written per table, and one writer (``COPY`` on Postgres, ``bulk_create`` in
batches elsewhere)."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

BATCH = 2000

_V4_CLEAR = ~((0xF << 76) | (0x3 << 62))
_V4_SET = (0x4 << 76) | (0x2 << 62)


def _uuid(rng) -> str:
    """A random (version 4) UUID from the seeded stream, as 32 hex digits: the
    database takes them as they are, and uuid.UUID() per row costs seconds."""
    return f"{rng.getrandbits(128) & _V4_CLEAR | _V4_SET:032x}"



# Columns written, in order (model field names).
WINDOW_COLUMNS = ("id", "organization", "membership", "weekday", "start", "end")
SESSION_COLUMNS = ("id", "organization", "mentor", "mentee", "start", "end", "status", "sequence", "booked_by",
                   "created_at", "updated_at", "cancelled_at", "cancel_reason", "logged_at", "logged_by",
                   "actual_minutes", "outcome_type")
CLAIM_COLUMNS = ("id", "organization", "session", "membership", "start", "end", "active")
NOTE_COLUMNS = ("id", "organization", "session", "text", "updated_at")
STEP_COLUMNS = ("id", "organization", "session", "owner", "title", "kind", "due_date", "work_item", "created_at",
                "done_at", "sequence")
SURVEY_COLUMNS = ("id", "organization", "session", "respondent", "usefulness", "comment", "created_at")
KUDOS_COLUMNS = ("id", "organization", "giver", "receiver", "session", "message", "created_at")


def _write(org, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order). On Postgres with COPY —
    a year of a 10,000-person org is ~300,000 rows, and building a model
    instance per row costs more than the database does; elsewhere (the
    embedded SQLite of ``make run``) with ``bulk_create`` in batches."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    attnames = [f.attname for f in fields]
    with _past_timestamps(model):
        model.objects.for_org(org).bulk_create([model(**dict(zip(attnames, row))) for row in rows],
                                               batch_size=BATCH)


@contextmanager
def _past_timestamps(*models):
    """History carries its own past timestamps; ``auto_now``/``auto_now_add``
    would stamp every row with the moment of seeding. Off only while writing."""
    fields = [f for model in models for f in model._meta.concrete_fields
              if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add
