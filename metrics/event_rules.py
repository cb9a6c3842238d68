"""The rules a role event or a ramp milestone must follow (pure: no database).

Shared by the services (entered in the app or through the API) and the CSV
import, so a row is refused for the same reasons whichever way it arrives.
"""

from __future__ import annotations

from datetime import date, timedelta

KINDS = ("hire", "transfer", "promotion")
ROLE_STARTS = ("hire", "transfer")
TITLE_MAX = 120
TEAM_MAX = 80
MILESTONE_NAME_MAX = 120
# An HRIS export is often dated in another zone than ours: allow tomorrow, no later.
FUTURE_DAYS_ALLOWED = 1


def latest_allowed(today: date) -> date:
    return today + timedelta(days=FUTURE_DAYS_ALLOWED)


def date_problem(value: date, today: date) -> str | None:
    if value > latest_allowed(today):
        return f"{value:%Y-%m-%d} is in the future; the latest date allowed is {latest_allowed(today):%Y-%m-%d}."
    if value.year < 1950:
        return f"{value:%Y-%m-%d} is too far in the past."
    return None


def role_event_problems(*, kind: str, effective_on: date | None, title_before: str, title_after: str,
                        team_before: str, team_after: str, today: date) -> dict[str, list[str]]:
    """Field -> messages for one role event (empty when it is valid)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if kind not in KINDS:
        add("kind", f"“{kind}” is not a kind of role event; use hire, transfer or promotion.")
    if effective_on is not None:
        message = date_problem(effective_on, today)
        if message:
            add("effective_on", message)
    for field, value, limit in (("title_before", title_before, TITLE_MAX), ("title_after", title_after, TITLE_MAX),
                                ("team_before", team_before, TEAM_MAX), ("team_after", team_after, TEAM_MAX)):
        if len(value) > limit:
            add(field, f"At most {limit} characters.")
    if kind == "transfer":
        team_changes = bool(team_after) and team_after != team_before
        title_changes = bool(title_after) and title_after != title_before
        if not (team_changes or title_changes):
            add("team_after", "A transfer needs a new team or a new title (an “after” value that differs "
                              "from “before”).")
    if kind == "promotion" and title_after and title_after == title_before:
        add("title_after", "A promotion's new title cannot be the same as the old one.")
    return problems


def milestone_problems(*, reached_on: date, latest_role_start: date | None, today: date) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    message = date_problem(reached_on, today)
    if message:
        problems["reached_on"] = [message]
    elif latest_role_start is not None and reached_on < latest_role_start:
        problems["reached_on"] = [f"{reached_on:%Y-%m-%d} is before this person's latest role start "
                                  f"({latest_role_start:%Y-%m-%d}); a ramp milestone comes after the role starts."]
    return problems
