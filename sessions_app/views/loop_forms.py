"""Forms of the session loop pages. They parse and label; the rules (policy
bounds, at least one next step, who may do what) live in the services."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django import forms

from mentoring.models import Membership

from ..models import AgendaTemplate, MentoringSession, OutcomeType
from ..services.kudos import MESSAGE_MAX
from ..services.logging import NOTES_MAX, NextStepDraft, check_minutes

STEP_ROWS = 3  # blank rows offered in the log form; a session rarely ends in more
USEFULNESS = [(5, "5 — Very useful"), (4, "4 — Useful"), (3, "3 — Somewhat useful"), (2, "2 — Not very useful"),
              (1, "1 — Not useful")]


def default_due_date(session: MentoringSession, viewer) -> date:
    """One week after the session, on the viewer's calendar."""
    return session.start.astimezone(ZoneInfo(viewer.time_zone)).date() + timedelta(days=7)


class SessionLogForm(forms.Form):
    actual_minutes = forms.IntegerField(
        label="Actual minutes", widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
        error_messages={"required": "Enter how many minutes the session lasted.",
                        "invalid": "Enter the minutes as a whole number."})
    outcome_type = forms.ChoiceField(label="Outcome", choices=[("", "Pick the kind of outcome…"), *OutcomeType.choices],
                                     error_messages={"required": "Pick the kind of outcome (e.g. code review)."})
    notes = forms.CharField(label="Private notes", required=False, max_length=NOTES_MAX,
                            widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, session: MentoringSession, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        org = session.organization
        other = session.mentee if viewer.pk == session.mentor_id else session.mentor
        self.fields["actual_minutes"].initial = min(max(session.minutes, org.session_min_minutes),
                                                    org.session_max_minutes)
        self.fields["actual_minutes"].help_text = f"{org.session_min_minutes}–{org.session_max_minutes} minutes."
        if session.agenda_id:
            self.fields["outcome_type"].initial = session.agenda.outcome_type
        self.fields["notes"].help_text = f"Only you and {other.display_name} can read them."
        self.org = org

    def clean_actual_minutes(self):
        # The service checks it too; here so the message shows with any other form error.
        minutes = self.cleaned_data["actual_minutes"]
        if message := check_minutes(self.org, minutes):
            raise forms.ValidationError(message)
        return minutes


class NextStepForm(forms.Form):
    """One row of the next-steps group. An untouched row is skipped (the
    formset's extra forms may stay empty); a touched row needs a title."""

    title = forms.CharField(label="What", max_length=200,
                            error_messages={"required": "Give this next step a title."})
    owner = forms.ChoiceField(label="Owner")
    due_date = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               error_messages={"required": "Give this next step a due date.",
                                               "invalid": "Enter the due date as YYYY-MM-DD."})
    work_item = forms.ChoiceField(label="Work item", required=False)

    def __init__(self, *args, session: MentoringSession, viewer, work_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.session, self.work_items = session, {str(item.pk): item for item in work_items}
        self.fields["owner"].choices = [("mentee", f"{session.mentee.display_name} (mentee)"),
                                        ("mentor", f"{session.mentor.display_name} (mentor)")]
        self.fields["owner"].initial = "mentee"
        self.fields["due_date"].initial = default_due_date(session, viewer)
        self.fields["work_item"].choices = [("", "None"), *((key, item.name) for key, item in self.work_items.items())]

    def draft(self) -> NextStepDraft:
        data = self.cleaned_data
        owner = self.session.mentor if data["owner"] == "mentor" else self.session.mentee
        return NextStepDraft(title=data["title"], owner=owner, due_date=data["due_date"],
                             work_item=self.work_items.get(data.get("work_item") or ""))


NextStepFormSet = forms.formset_factory(NextStepForm, extra=STEP_ROWS, max_num=10, absolute_max=20)


def next_steps_formset(data, *, session, viewer, work_items):
    return NextStepFormSet(data, prefix="steps",
                           form_kwargs={"session": session, "viewer": viewer, "work_items": work_items})


def drafts_of(formset) -> list[NextStepDraft]:
    return [form.draft() for form in formset.forms if form.has_changed() and form.cleaned_data]


class NoteForm(forms.Form):
    text = forms.CharField(label="Private notes", required=False, max_length=NOTES_MAX,
                           widget=forms.Textarea(attrs={"rows": 6}))


class SurveyForm(forms.Form):
    usefulness = forms.TypedChoiceField(
        label="How useful was this session?", choices=USEFULNESS, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": "Rate how useful the session was from 1 to 5."})
    comment = forms.CharField(label="Anything to add? (optional)", required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class KudosForm(forms.Form):
    message = forms.CharField(label="Kudos", max_length=MESSAGE_MAX,
                              help_text=f"A short thank-you, up to {MESSAGE_MAX} characters.",
                              widget=forms.Textarea(attrs={"rows": 2, "maxlength": MESSAGE_MAX}),
                              error_messages={"required": "Say what you are thanking them for."})


class AgendaForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80)
    outcome_type = forms.ChoiceField(label="For sessions of kind", choices=OutcomeType.choices)
    prompts = forms.CharField(label="Prompts", widget=forms.Textarea(attrs={"rows": 6}),
                              help_text="One prompt per line, e.g. “What would you change before merging?”")

    @staticmethod
    def initial_for(agenda: AgendaTemplate) -> dict:
        return {"name": agenda.name, "outcome_type": agenda.outcome_type, "prompts": agenda.prompts}



def _session_choice(session: MentoringSession, viewer) -> str:
    """“Tue 3 Mar · with Mina Patel”, on the viewer's calendar."""
    other = session.mentee if session.mentor_id == viewer.pk else session.mentor
    local = session.start.astimezone(ZoneInfo(viewer.time_zone))
    return f"{local:%a} {local.day} {local:%b} · with {other.display_name}"


class KudosGiveForm(forms.Form):
    """Kudos from the org feed: to anyone active in the org but yourself,
    optionally for one of your own sessions. Both ids are looked up inside the
    org (another org's id is simply not a valid choice)."""

    receiver = forms.ModelChoiceField(queryset=Membership.unscoped.none(), label="To")
    message = forms.CharField(label="Message", max_length=MESSAGE_MAX,
                              help_text=f"A short thank-you, up to {MESSAGE_MAX} characters.",
                              widget=forms.Textarea(attrs={"rows": 2, "maxlength": MESSAGE_MAX}),
                              error_messages={"required": "Say what you are thanking them for."})
    session = forms.ModelChoiceField(queryset=MentoringSession.unscoped.none(), required=False,
                                     label="For a session (optional)", empty_label="No session",
                                     help_text="Kudos for a session go to the other person in it.")

    def __init__(self, *args, org, giver, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        receiver = self.fields["receiver"]
        receiver.queryset = (Membership.objects.for_org(org).active().exclude(pk=giver.pk)
                             .only("id", "display_name", "team", "organization_id")
                             .order_by("team", "display_name", "id"))
        receiver.error_messages.update({
            "required": "Pick who you are thanking.",
            "invalid_choice": f"Pick an active member of {org.name} other than yourself."})
        session = self.fields["session"]
        session.queryset = sessions
        session.label_from_instance = lambda s: _session_choice(s, giver)
        session.error_messages["invalid_choice"] = "Pick one of your own sessions, or none."
