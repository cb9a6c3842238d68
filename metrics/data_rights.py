"""The metrics inputs' part of data rights (mentoring/data_rights.py): a person's role events and ramp
milestones in their export; erasure blanks the titles and teams of their role events and replaces them
in uploaded HRIS files, while the rows stay (the dashboards' counts — retention, ramp time — need them).
Registered by ``MetricsConfig.ready``."""

from __future__ import annotations

from mentoring.data_rights import FORMER_MEMBER, collector, eraser
from mentoring.models import Membership

from .models import EventImport, RampMilestone, RoleEvent


@collector("role_events")
def _export_role_events(m: Membership) -> list[dict]:
    rows = RoleEvent.objects.for_org(m.organization).filter(member=m).order_by("effective_on", "id")
    return [{"kind": e.kind, "effective_on": e.effective_on, "title_before": e.title_before,
             "title_after": e.title_after, "team_before": e.team_before, "team_after": e.team_after,
             "source": e.source} for e in rows]


@collector("ramp_milestones")
def _export_ramp_milestones(m: Membership) -> list[dict]:
    rows = RampMilestone.objects.for_org(m.organization).filter(member=m).select_related("definition") \
        .order_by("reached_on", "id")
    return [{"milestone": r.definition.name, "reached_on": r.reached_on, "source": r.source} for r in rows]


@eraser("role_event_texts")
def _erase_role_event_texts(m: Membership) -> int:
    return RoleEvent.objects.for_org(m.organization).filter(member=m) \
        .update(title_before="", title_after="", team_before="", team_after="")


@eraser("event_imports")
def _erase_from_event_imports(m: Membership) -> int:
    """Uploaded CSVs kept for their preview name the person (by email): replace them there too."""
    needles = [value for value in (m.email, m.display_name) if value]
    if not needles:
        return 0
    scoped = EventImport.objects.for_org(m.organization)
    touched = 0
    for upload in scoped.filter(content__icontains=needles[0]):
        content = upload.content
        for needle in needles:
            content = content.replace(needle, FORMER_MEMBER)
        scoped.filter(pk=upload.pk).update(content=content)
        touched += 1
    return touched
