"""Parsing and validating a people CSV (pure: no database).

Columns (header row required, order free, unknown columns refused):
``email`` and ``display_name`` are required; the rest are optional:
``title, team, manager_email, time_zone, working_hours_start,
working_hours_end, hire_date, role_start_date, skills, work_items, roles,
external, hourly_rate, currency``.  Lists are separated by ``;``; a work item
is ``name`` or ``name|https://link``; roles are ``manager, mentor, mentee, hr``.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from . import csv_import
from .csv_import import ParsedFile, ParsedRow

COLUMNS = (
    "email", "display_name", "title", "team", "manager_email", "time_zone",
    "working_hours_start", "working_hours_end", "hire_date", "role_start_date",
    "skills", "work_items", "roles", "external", "hourly_rate", "currency",
)
REQUIRED = ("email", "display_name")
ROLES = ("manager", "mentor", "mentee", "hr")
_TIME_ZONES = None


def _zones():
    global _TIME_ZONES
    if _TIME_ZONES is None:
        _TIME_ZONES = zoneinfo.available_timezones()
    return _TIME_ZONES


def _date(row: ParsedRow, column: str, raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        row.error(column, f"“{raw}” is not a date; use YYYY-MM-DD.")
        return None


def _time(row: ParsedRow, column: str, raw: str) -> time | None:
    if not re.fullmatch(r"\d{1,2}:\d{2}", raw):
        row.error(column, f"“{raw}” is not a time; use HH:MM (24-hour).")
        return None
    hours, minutes = (int(part) for part in raw.split(":"))
    if hours > 23 or minutes > 59:
        row.error(column, f"“{raw}” is not a time of day.")
        return None
    return time(hours, minutes)


def parse(text: str, *, max_rows: int) -> ParsedFile:
    return csv_import.parse(text, columns=COLUMNS, required=REQUIRED, max_rows=max_rows, noun="people",
                            validate=_validate, identity=lambda row: row.values.get("email"),
                            duplicate=lambda email, line: ("email", f"{email} appears twice (also on line {line})."))


def _validate(row: ParsedRow, raw: dict[str, str]) -> None:
    values = row.values
    email = raw.get("email", "").lower()
    if not email:
        row.error("email", "Email is required.")
    else:
        try:
            validate_email(email)
            values["email"] = email
        except ValidationError:
            row.error("email", f"“{email}” is not a valid email address.")
    name = " ".join(raw.get("display_name", "").split())
    if not name:
        row.error("display_name", "Display name is required.")
    elif len(name) > 120:
        row.error("display_name", "At most 120 characters.")
    else:
        values["display_name"] = name
    for column, limit in (("title", 120), ("team", 80)):
        if column in raw:
            if len(raw[column]) > limit:
                row.error(column, f"At most {limit} characters.")
            else:
                values[column] = raw[column]
    if raw.get("manager_email"):
        manager_email = raw["manager_email"].lower()
        try:
            validate_email(manager_email)
            if manager_email == values.get("email"):
                row.error("manager_email", "A person cannot be their own manager.")
            else:
                values["manager_email"] = manager_email
        except ValidationError:
            row.error("manager_email", f"“{manager_email}” is not a valid email address.")
    elif "manager_email" in raw:
        values["manager_email"] = None
    if raw.get("time_zone"):
        if raw["time_zone"] in _zones():
            values["time_zone"] = raw["time_zone"]
        else:
            row.error("time_zone", f"“{raw['time_zone']}” is not a known time zone (e.g. Europe/Berlin).")
    for column in ("working_hours_start", "working_hours_end"):
        if raw.get(column):
            parsed = _time(row, column, raw[column])
            if parsed is not None:
                values[column] = parsed
    if "working_hours_start" in values and "working_hours_end" in values and \
            values["working_hours_start"] >= values["working_hours_end"]:
        row.error("working_hours_end", "Working hours must end after they start.")
    for column in ("hire_date", "role_start_date"):
        if raw.get(column):
            parsed = _date(row, column, raw[column])
            if parsed is not None:
                values[column] = parsed
        elif column in raw:
            values[column] = None
    if "skills" in raw:
        skills = [" ".join(s.split()) for s in raw["skills"].split(";") if s.strip()]
        too_long = [s for s in skills if len(s) > 80]
        if too_long:
            row.error("skills", f"Skill “{too_long[0][:20]}…” is longer than 80 characters.")
        else:
            values["skills"] = skills
    if "work_items" in raw:
        items = []
        for part in (p.strip() for p in raw["work_items"].split(";")):
            if not part:
                continue
            name, _, url = (s.strip() for s in part.partition("|"))
            if not name or len(name) > 120:
                row.error("work_items", f"Work item “{part[:30]}” needs a name of 1–120 characters.")
                continue
            if url:
                try:
                    URLValidator(schemes=["http", "https"])(url)
                except ValidationError:
                    row.error("work_items", f"“{url}” is not an http(s) link.")
                    continue
            items.append((name, url))
        values["work_items"] = items
    if raw.get("roles"):
        roles = [r.strip().lower() for r in re.split(r"[;,]", raw["roles"]) if r.strip()]
        bad = [r for r in roles if r not in ROLES]
        if bad:
            row.error("roles", f"Unknown role(s): {', '.join(bad)}. Use manager, mentor, mentee, hr.")
        else:
            values["roles"] = sorted(set(roles))
    if raw.get("external"):
        flag = raw["external"].lower()
        if flag in {"true", "yes", "1", "y"}:
            values["is_external"] = True
        elif flag in {"false", "no", "0", "n"}:
            values["is_external"] = False
        else:
            row.error("external", f"“{raw['external']}” is not yes/no.")
    if raw.get("hourly_rate"):
        try:
            rate = Decimal(raw["hourly_rate"])
            if not rate.is_finite() or rate < 0 or rate >= Decimal("1000000"):
                raise InvalidOperation
            values["hourly_rate"] = rate.quantize(Decimal("0.01"))
        except InvalidOperation:
            row.error("hourly_rate", f"“{raw['hourly_rate']}” is not an amount (e.g. 120.00).")
    if raw.get("currency"):
        if re.fullmatch(r"[A-Za-z]{3}", raw["currency"]):
            values["currency"] = raw["currency"].upper()
        else:
            row.error("currency", f"“{raw['currency']}” is not a 3-letter currency code (e.g. EUR).")
    if values.get("hourly_rate") is not None and not values.get("currency"):
        row.error("currency", "A currency is required with an hourly rate.")


def render(people: list[dict]) -> str:
    """Write people (dicts keyed by COLUMNS) as CSV text — the export format,
    which the import reads back unchanged."""
    return csv_import.render(COLUMNS, people, _cell)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, (list, tuple)):
        return ";".join(value)
    return csv_import.safe_cell(str(value))
