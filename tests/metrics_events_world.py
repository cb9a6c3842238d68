"""Org-A metrics inputs for the cross-tenant matrix (tests/test_tenancy_coverage.py):
a role event, a ramp milestone definition, a milestone and an uploaded import."""

from datetime import date
from types import SimpleNamespace

from metrics import services_events as svc
from metrics import services_events_import as imports


def events_world(manager, mentee) -> SimpleNamespace:
    event = svc.role_event_record(actor=manager, member=mentee, kind="hire", effective_on=date(2025, 3, 3),
                                  title_after="Acmetitle Engineer", team_after="Acmeteam")
    definition = svc.ramp_definition_create(actor=manager, name="Acmeramp shipped")
    milestone = svc.ramp_milestone_record(actor=manager, member=mentee, definition=definition,
                                          reached_on=date(2025, 5, 2))
    event_import = imports.event_import_upload(
        actor=manager, kind="events", filename="acme-events.csv",
        content="email,kind,effective_on,team_after\nmentee@acme.test,transfer,2025-09-01,Acmeimportteam\n")
    return SimpleNamespace(event=event, definition=definition, milestone=milestone, event_import=event_import,
                           markers=("Acmetitle", "Acmeteam", "Acmeramp", str(event.pk), str(definition.pk),
                                    str(milestone.pk)))
