"""Domain errors raised by services; the API and views turn them into 400/403/409."""

from __future__ import annotations


class DomainError(Exception):
    """Bad input or a broken rule: HTTP 400 with a message per field."""

    status_code = 400

    def __init__(self, message: str | dict, field: str | None = None):
        if isinstance(message, dict):
            self.errors = {key: value if isinstance(value, list) else [value] for key, value in message.items()}
        else:
            self.errors = {field or "non_field_errors": [message]}
        super().__init__(self.first_message)

    @property
    def first_message(self) -> str:
        return next(iter(self.errors.values()))[0]


class Conflict(DomainError):
    """The request collides with the current state (duplicate, race): HTTP 409."""

    status_code = 409


class NotPermitted(DomainError):
    """The caller is a member of the org but lacks the role: HTTP 403."""

    status_code = 403
