"""Agenda templates: a few prompts per kind of session, edited by program
managers. Each org starts with one default per outcome type, created on first
access (idempotent: the unique name per org absorbs a concurrent first access)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from mentoring.errors import Conflict, DomainError
from mentoring.models import Membership, Organization
from mentoring.services import require_role

from ..models import AgendaTemplate, OutcomeType

DEFAULT_AGENDAS = [
    (OutcomeType.CODE_REVIEW, "Code review", [
        "Which change do we look at, and what does it need to do?",
        "Walk through the riskiest part first.",
        "What would you change before merging?",
        "Next step: the one change you make today."]),
    (OutcomeType.DRAFT_OUTLINE, "Draft outline", [
        "Who reads it, and what should they do afterwards?",
        "Sketch the three main points.",
        "Next step: the outline you share, and by when."]),
    (OutcomeType.HIRING_DECISION, "Hiring decision", [
        "What does the role need in its first six months?",
        "What evidence do we have for and against?",
        "What is still unknown, and how do we find out?",
        "Next step: the decision or the one question to settle."]),
    (OutcomeType.INTRODUCTION, "Introduction", [
        "Who should you meet, and why now?",
        "What do you ask them for?",
        "Next step: who sends the introduction."]),
    (OutcomeType.DECISION_MADE, "Decision", [
        "What is the decision, and what are the options?",
        "What matters most in choosing?",
        "Next step: who acts on the decision, by when."]),
    (OutcomeType.OTHER, "Open session", [
        "What is on your mind this week?",
        "What would make the next 20 minutes useful?",
        "Next step: one concrete action."]),
]
PROMPTS_MAX_LINES = 12


def agenda_defaults_ensure(org: Organization) -> None:
    """Create the default templates if the org has none yet. (A manager who
    deletes every template gets the defaults back: an org is never without one.)"""
    templates = AgendaTemplate.objects.for_org(org)
    if templates.exists():
        return
    templates.bulk_create([
        AgendaTemplate(organization=org, outcome_type=kind, name=name, prompts="\n".join(prompts))
        for kind, name, prompts in DEFAULT_AGENDAS], ignore_conflicts=True)


def agenda_templates(org: Organization):
    """Every template of the org (defaults created on first access)."""
    agenda_defaults_ensure(org)
    return AgendaTemplate.objects.for_org(org).order_by("outcome_type", "name")


def _clean(org: Organization, name: str, outcome_type: str, prompts: str) -> dict:
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = ["Give the template a name."]
    elif len(name) > AgendaTemplate._meta.get_field("name").max_length:
        errors["name"] = ["Keep the name under 80 characters."]
    if outcome_type not in OutcomeType.values:
        errors["outcome_type"] = ["Pick the kind of session it is for."]
    lines = [line.strip() for line in (prompts or "").splitlines() if line.strip()]
    if not lines:
        errors["prompts"] = ["Write at least one prompt (one per line)."]
    elif len(lines) > PROMPTS_MAX_LINES or any(len(line) > 200 for line in lines):
        errors["prompts"] = [f"Keep it short: at most {PROMPTS_MAX_LINES} prompts of up to 200 characters."]
    if errors:
        raise DomainError(errors)
    return {"name": name, "outcome_type": outcome_type, "prompts": "\n".join(lines)}


def _save(template: AgendaTemplate) -> AgendaTemplate:
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise Conflict(f"There is already a template called “{template.name}”.", field="name") from None
    return template


def agenda_create(*, actor: Membership, name: str, outcome_type: str, prompts: str) -> AgendaTemplate:
    require_role(actor, "manager")
    org = actor.organization
    return _save(AgendaTemplate(organization=org, **_clean(org, name, outcome_type, prompts)))


def agenda_update(*, actor: Membership, agenda: AgendaTemplate, name: str, outcome_type: str,
                  prompts: str) -> AgendaTemplate:
    require_role(actor, "manager")
    if agenda.organization_id != actor.organization_id:
        raise DomainError("No such template here.")
    for field, value in _clean(actor.organization, name, outcome_type, prompts).items():
        setattr(agenda, field, value)
    return _save(agenda)


@transaction.atomic
def agenda_delete(*, actor: Membership, agenda: AgendaTemplate) -> None:
    """Sessions that used it keep their log; they just lose the link (SET_NULL)."""
    require_role(actor, "manager")
    if agenda.organization_id != actor.organization_id:
        raise DomainError("No such template here.")
    agenda.delete()
