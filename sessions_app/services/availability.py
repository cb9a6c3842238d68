"""A member's own availability: weekly working windows and focus blocks.

Both are weekly wall-clock windows in the member's zone that never cross
midnight (``slots`` relies on it). No working windows at all means "Mon–Fri
within the profile's working hours", so clearing them is a real choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time

from django.db import transaction

from mentoring.errors import DomainError, NotPermitted
from mentoring.models import Membership
from mentoring.tenancy import org_get_or_404

from ..models import WEEKDAYS, FocusBlock, WorkingWindow

DAY_NAMES = dict(WEEKDAYS)
MAX_WINDOWS = 28  # a few per day is plenty; stops a script from writing thousands
MAX_FOCUS_BLOCKS = 28
LABEL_MAX = FocusBlock._meta.get_field("label").max_length


def _require_member(actor: Membership) -> None:
    if actor is None or not actor.is_active:
        raise NotPermitted("Only active members have availability here.")


def _clean_windows(windows: Iterable, field: str, limit: int) -> list[tuple[int, time, time]]:
    """(weekday, start, end) triples: valid days, start before end, no overlaps within a day."""
    cleaned = []
    for weekday, start, end in windows:
        if not isinstance(weekday, int) or isinstance(weekday, bool) or weekday not in DAY_NAMES:
            raise DomainError("Pick a weekday from Monday (0) to Sunday (6).", field=field)
        if not isinstance(start, time) or not isinstance(end, time):
            raise DomainError(f"{DAY_NAMES[weekday]}: give a start and an end time.", field=field)
        if end <= start:
            raise DomainError(f"{DAY_NAMES[weekday]}: the end ({end:%H:%M}) must be after the start "
                              f"({start:%H:%M}); a window cannot cross midnight.", field=field)
        cleaned.append((weekday, start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)))
    if len(cleaned) > limit:
        raise DomainError(f"At most {limit} windows a week.", field=field)
    cleaned.sort()
    for (day_a, start_a, end_a), (day_b, start_b, end_b) in zip(cleaned, cleaned[1:]):
        if day_a == day_b and start_b < end_a:
            raise DomainError(f"{DAY_NAMES[day_a]}: {start_a:%H:%M}–{end_a:%H:%M} overlaps "
                              f"{start_b:%H:%M}–{end_b:%H:%M}.", field=field)
    return cleaned


def _replace(model, actor: Membership, windows: list, **extra) -> None:
    org = actor.organization
    model.objects.for_org(org).filter(membership=actor).delete()
    model.objects.for_org(org).bulk_create(
        model(organization=org, membership=actor, weekday=day, start=start, end=end, **extra)
        for day, start, end in windows)


def _lock(actor: Membership) -> None:
    """Serialise one member's availability writes (two tabs saving at once)."""
    Membership.objects.for_org(actor.organization).select_for_update().filter(pk=actor.pk).first()


@transaction.atomic
def availability_set_working_windows(*, actor: Membership, windows: Iterable) -> list[WorkingWindow]:
    """Replace the actor's working windows; an empty list means the profile's default hours."""
    _require_member(actor)
    cleaned = _clean_windows(windows, "working_windows", MAX_WINDOWS)
    _lock(actor)
    _replace(WorkingWindow, actor, cleaned)
    return list(WorkingWindow.objects.for_org(actor.organization).filter(membership=actor))


def _clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if len(label) > LABEL_MAX:
        raise DomainError(f"Keep the label under {LABEL_MAX} characters.", field="label")
    return label


@transaction.atomic
def focus_block_add(*, actor: Membership, weekday: int, start: time, end: time, label: str = "") -> FocusBlock:
    _require_member(actor)
    label = _clean_label(label)
    (weekday, start, end), = _clean_windows([(weekday, start, end)], "focus_blocks", 1)
    _lock(actor)
    existing = list(FocusBlock.objects.for_org(actor.organization).filter(membership=actor)
                    .values_list("weekday", "start", "end"))
    for day, other_start, other_end in existing:
        if day == weekday and start < other_end and other_start < end:
            raise DomainError(f"{DAY_NAMES[day]}: this overlaps your focus block {other_start:%H:%M}–"
                              f"{other_end:%H:%M}.", field="focus_blocks")
    if len(existing) >= MAX_FOCUS_BLOCKS:
        raise DomainError(f"At most {MAX_FOCUS_BLOCKS} focus blocks a week.", field="focus_blocks")
    return FocusBlock.objects.for_org(actor.organization).create(
        organization=actor.organization, membership=actor, weekday=weekday, start=start, end=end, label=label)


@transaction.atomic
def focus_block_remove(*, actor: Membership, block_id) -> None:
    """The actor's own block only: another member's (or org's) is a 404."""
    _require_member(actor)
    org_get_or_404(FocusBlock, actor.organization, pk=block_id, membership=actor).delete()


@transaction.atomic
def availability_replace(*, actor: Membership, working_windows: Iterable, focus_blocks: Iterable) -> None:
    """Replace both at once (the API's PUT). ``focus_blocks``: (weekday, start, end, label)."""
    _require_member(actor)
    working = _clean_windows(working_windows, "working_windows", MAX_WINDOWS)
    blocks = [(day, start, end, _clean_label(label)) for day, start, end, label in focus_blocks]
    cleaned_blocks = _clean_windows([(d, s, e) for d, s, e, _ in blocks], "focus_blocks", MAX_FOCUS_BLOCKS)
    labels = {(d, s.replace(second=0, microsecond=0), e.replace(second=0, microsecond=0)): label
              for d, s, e, label in blocks}
    _lock(actor)
    _replace(WorkingWindow, actor, working)
    org = actor.organization
    FocusBlock.objects.for_org(org).filter(membership=actor).delete()
    FocusBlock.objects.for_org(org).bulk_create(
        FocusBlock(organization=org, membership=actor, weekday=d, start=s, end=e, label=labels[(d, s, e)])
        for d, s, e in cleaned_blocks)
