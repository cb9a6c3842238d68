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

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from . import event_rules

EVENT_COLUMNS = ("email", "kind", "effective_on", "title_before", "title_after", "team_before", "team_after")
EVENT_REQUIRED = ("email", "kind", "effective_on")
MILESTONE_COLUMNS = ("email", "milestone", "reached_on")
MILESTONE_REQUIRED = MILESTONE_COLUMNS


@dataclass
class ParsedRow:
    number: int  # 1-based line number in the file (header is line 1)
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    def error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)


@dataclass
class ParsedFile:
    rows: list[ParsedRow]
    file_errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(row.errors for row in self.rows)

    def error_list(self) -> list[dict]:
        """Flat list of ``{"row", "field", "message"}`` for display and the API."""
        out = [{"row": None, "field": None, "message": message} for message in self.file_errors]
        for row in self.rows:
            for column, messages in row.errors.items():
                out.extend({"row": row.number, "field": column, "message": m} for m in messages)
        return out


def parse_events(text: str, *, max_rows: int, today: date) -> ParsedFile:
    return _parse(text, EVENT_COLUMNS, EVENT_REQUIRED, max_rows, "role events",
                  lambda row, raw: _validate_event(row, raw, today),
                  lambda v: (v.get("email"), v.get("kind"), v.get("effective_on")))


def parse_milestones(text: str, *, max_rows: int, today: date) -> ParsedFile:
    return _parse(text, MILESTONE_COLUMNS, MILESTONE_REQUIRED, max_rows, "milestones",
                  lambda row, raw: _validate_milestone(row, raw, today),
                  lambda v: (v.get("email"), (v.get("milestone") or "").lower(), v.get("reached_on")))


def _parse(text, columns, required, max_rows, noun, validate, identity) -> ParsedFile:
    if text.startswith("\ufeff"):  # Excel's UTF-8 BOM
        text = text[1:]
    if not text.strip():
        return ParsedFile([], ["The file is empty."])
    reader = csv.reader(io.StringIO(text))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except csv.Error as exc:
        return ParsedFile([], [f"Not a readable CSV file: {exc}."])
    unknown = [column for column in header if column not in columns]
    missing = [column for column in required if column not in header]
    duplicated = sorted(column for column, count in Counter(header).items() if count > 1)[:10]
    file_errors = []
    if unknown:
        shown = ", ".join(column[:40] for column in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        file_errors.append(f"Unknown column(s): {shown}. Allowed: {', '.join(columns)}.")
    if missing:
        file_errors.append(f"Missing required column(s): {', '.join(missing)}.")
    if duplicated:
        file_errors.append(f"Column(s) given twice: {', '.join(duplicated)}.")
    if file_errors:
        return ParsedFile([], file_errors)

    rows: list[ParsedRow] = []
    seen: dict[tuple, int] = {}
    try:
        for line_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are harmless
            if len(rows) >= max_rows:
                return ParsedFile([], [f"Too many rows: at most {max_rows} {noun} per import."])
            row = ParsedRow(number=line_number)
            if len(cells) != len(header):
                row.error("row", f"Has {len(cells)} cells but the header has {len(header)} columns.")
                rows.append(row)
                continue
            validate(row, {column: cell.strip() for column, cell in zip(header, cells)})
            key = identity(row.values)
            if not row.errors and all(key):
                if key in seen:
                    row.error("row", f"The same row appears twice (also on line {seen[key]}).")
                else:
                    seen[key] = line_number
            rows.append(row)
    except csv.Error as exc:
        return ParsedFile([], [f"Not a readable CSV file: {exc}."])
    if not rows:
        return ParsedFile([], [f"The file has a header but no {noun}."])
    return ParsedFile(rows, [])


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
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for values in rows:
        writer.writerow([_cell(values.get(column)) for column in columns])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    # Neutralise spreadsheet formulas (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text
