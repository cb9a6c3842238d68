"""Reading an uploaded CSV import (pure: no database).

One reader for every import (people: ``mentoring.people_csv``; role events and
ramp milestones: ``metrics.events_csv``): the upload is decoded within a size
bound, the header row is checked (unknown, missing and repeated columns), then
each non-blank line is validated by the caller's ``validate(row, raw)``, and a
row met twice in the same file is flagged. Each importer keeps only its
columns and its rules.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from .errors import DomainError


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
    present_columns: tuple[str, ...] = ()

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


def decode_upload(content: bytes | str, *, max_bytes: int) -> str:
    """The uploaded file as text, refused when too large or not UTF-8 text."""
    size = len(content) if isinstance(content, bytes) else len(content.encode())
    if size > max_bytes:
        raise DomainError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.", field="file")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("The file is not UTF-8 text. Save it as “CSV UTF-8”.", field="file") from None
    if "\x00" in content:
        raise DomainError("The file is not a text CSV.", field="file")
    return content


def _same_row(key, first_line: int) -> tuple[str, str]:
    return "row", f"The same row appears twice (also on line {first_line})."


def parse(text: str, *, columns: tuple[str, ...], required: tuple[str, ...], max_rows: int, noun: str,
          validate: Callable[[ParsedRow, dict[str, str]], None],
          identity: Callable[[ParsedRow], Hashable | None],
          duplicate: Callable[[Hashable, int], tuple[str, str]] = _same_row) -> ParsedFile:
    """Read ``text`` as CSV with a header row (order free) naming some of ``columns``.

    ``noun`` names the rows in messages ("people", "role events"). ``validate``
    fills ``row.values`` and ``row.errors`` from the stripped cells of one line;
    ``identity`` gives the key under which a row may appear only once in the file
    (None: not checked), and ``duplicate`` the column and message for a repeat.
    """
    if text.startswith("\ufeff"):  # Excel's UTF-8 BOM
        text = text[1:]
    if not text.strip():
        return ParsedFile([], ["The file is empty."])
    reader = csv.reader(io.StringIO(text))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except csv.Error as exc:
        return ParsedFile([], [f"Not a readable CSV file: {exc}."])
    file_errors = _header_problems(header, columns, required)
    if file_errors:
        return ParsedFile([], file_errors)

    rows: list[ParsedRow] = []
    seen: dict[Hashable, int] = {}
    try:
        for line_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are harmless
            if len(rows) >= max_rows:
                return ParsedFile([], [f"Too many rows: at most {max_rows} {noun} per import."])
            row = ParsedRow(number=line_number)
            rows.append(row)
            if len(cells) != len(header):
                row.error("row", f"Has {len(cells)} cells but the header has {len(header)} columns.")
                continue
            validate(row, {column: cell.strip() for column, cell in zip(header, cells)})
            key = identity(row)
            if key is None:
                continue
            if key in seen:
                row.error(*duplicate(key, seen[key]))
            else:
                seen[key] = line_number
    except csv.Error as exc:
        return ParsedFile([], [f"Not a readable CSV file: {exc}."])
    if not rows:
        return ParsedFile([], [f"The file has a header but no {noun}."])
    return ParsedFile(rows, [], tuple(header))


def _header_problems(header: list[str], columns: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    unknown = [column for column in header if column not in columns]
    missing = [column for column in required if column not in header]
    counts = Counter(header)  # not header.count(): a header of 100k commas would be quadratic
    duplicated = sorted(column for column, count in counts.items() if count > 1)[:10]
    problems = []
    if unknown:
        shown = ", ".join(column[:40] for column in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        problems.append(f"Unknown column(s): {shown}. Allowed: {', '.join(columns)}.")
    if missing:
        problems.append(f"Missing required column(s): {', '.join(missing)}.")
    if duplicated:
        problems.append(f"Column(s) given twice: {', '.join(duplicated)}.")
    return problems


def render(columns: tuple[str, ...], rows: Iterable[dict], cell: Callable[[object], str]) -> str:
    """Write rows as CSV text in an import's format; ``cell`` turns a value into text
    (and passes free text through ``safe_cell``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for values in rows:
        writer.writerow([cell(values.get(column)) for column in columns])
    return out.getvalue()


def safe_cell(text: str) -> str:
    """Neutralise a spreadsheet formula (CSV injection)."""
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text
