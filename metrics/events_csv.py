"""Parsing and validating an HRIS export (pure: no database).

Two files, each with a header row (order free, unknown columns refused):

* role events: ``email, kind, effective_on`` required; ``title_before,
  title_after, team_before, team_after`` optional. ``kind`` is hire, transfer
  or promotion; dates are ``YYYY-MM-DD``.
* ramp milestones: ``email, milestone, reached_on``; ``milestone`` names one
  of the org's ramp milestone definitions.

What needs the database (is the person in the org, does the milestone exist,
is it after their latest role start, is the row already there) is checked by
``services_events_import``.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from mentoring import csv_import
from mentoring.csv_import import ParsedFile, ParsedRow

from . import event_rules

EVENT_COLUMNS = ("email", "kind", "effective_on", "title_before", "title_after", "team_before", "team_after")
EVENT_REQUIRED = ("email", "kind", "effective_on")
MILESTONE_COLUMNS = ("email", "milestone", "reached_on")
MILESTONE_REQUIRED = MILESTONE_COLUMNS


def parse_events(text: str, *, max_rows: int, today: date) -> ParsedFile:
    return csv_import.parse(
        text, columns=EVENT_COLUMNS, required=EVENT_REQUIRED, max_rows=max_rows, noun="role events",
        validate=lambda row, raw: _validate_event(row, raw, today),
        identity=lambda row: _key(row, row.values.get("email"), row.values.get("kind"), row.values.get("effective_on")))


def parse_milestones(text: str, *, max_rows: int, today: date) -> ParsedFile:
    return csv_import.parse(
        text, columns=MILESTONE_COLUMNS, required=MILESTONE_REQUIRED, max_rows=max_rows, noun="milestones",
        validate=lambda row, raw: _validate_milestone(row, raw, today),
        identity=lambda row: _key(row, row.values.get("email"), (row.values.get("milestone") or "").lower(),
                                  row.values.get("reached_on")))


def _key(row: ParsedRow, *parts) -> tuple | None:
    # Only a valid row is matched against the earlier ones (an invalid one already says why).
    return parts if not row.errors and all(parts) else None


def _email(row: ParsedRow, raw: dict) -> None:
    email = raw.get("email", "").lower()
    if not email:
        row.error("email", "Email is required.")
        return
    try:
        validate_email(email)
    except ValidationError:
        row.error("email", f"“{email[:80]}” is not a valid email address.")
    else:
        row.values["email"] = email


def _date(row: ParsedRow, column: str, raw: dict, today: date) -> None:
    text = raw.get(column, "")
    if not text:
        row.error(column, "A date is required (YYYY-MM-DD).")
        return
    try:
        value = date.fromisoformat(text)
    except ValueError:
        row.error(column, f"“{text[:40]}” is not a date; use YYYY-MM-DD.")
        return
    problem = event_rules.date_problem(value, today)
    if problem:
        row.error(column, problem)
    else:
        row.values[column] = value


def _validate_event(row: ParsedRow, raw: dict, today: date) -> None:
    _email(row, raw)
    kind = raw.get("kind", "").lower()
    _date(row, "effective_on", raw, today)
    texts = {column: " ".join(raw.get(column, "").split()) for column in EVENT_COLUMNS[3:]}
    problems = event_rules.role_event_problems(kind=kind, effective_on=None, today=today, **texts)
    for column, messages in problems.items():
        for message in messages:
            row.error(column, message)
    if "kind" not in problems:
        row.values["kind"] = kind
    # A column left out of the file is not changed on an event already there.
    row.values.update({column: value for column, value in texts.items() if column in raw})


def _validate_milestone(row: ParsedRow, raw: dict, today: date) -> None:
    _email(row, raw)
    name = " ".join(raw.get("milestone", "").split())
    if not name:
        row.error("milestone", "The milestone's name is required.")
    elif len(name) > event_rules.MILESTONE_NAME_MAX:
        row.error("milestone", f"At most {event_rules.MILESTONE_NAME_MAX} characters.")
    else:
        row.values["milestone"] = name
    _date(row, "reached_on", raw, today)


def render(columns: tuple[str, ...], rows: list[dict]) -> str:
    """Write rows as CSV text in the import format (the template and any export)."""
    return csv_import.render(columns, rows, _cell)


def _cell(value) -> str:
    if value is None:
        return ""
    return csv_import.safe_cell(value.isoformat() if isinstance(value, date) else str(value))
