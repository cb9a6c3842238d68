"""Forms of the metrics inputs' pages (parse and validate shape only; the rules
live in ``event_rules`` / ``services_events``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from mentoring.models import Membership

from . import event_rules
from .models import EventImport, RampMilestoneDefinition, RoleEvent

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonByEmailField(forms.EmailField):
    """A person of the org named by email (a select of 10,000 people helps nobody)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "Person's email")
        kwargs.setdefault("max_length", 254)
        super().__init__(*args, **kwargs)


class _OrgForm(forms.Form):
    def __init__(self, *args, org, **kwargs):
        self.org = org
        super().__init__(*args, **kwargs)

    def clean_member(self):
        email = self.cleaned_data["member"].lower()
        member = Membership.objects.for_org(self.org).filter(email=email).first()
        if member is None:
            raise ValidationError("Nobody with this email is in the organisation.")
        return member


class RoleEventFilterForm(forms.Form):
    """The events page's filters (a GET form; invalid values are ignored)."""

    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "All kinds"), *RoleEvent.Kind.choices])
    team = forms.ChoiceField(label="Team", required=False)
    date_from = forms.DateField(label="From", required=False, widget=DATE)
    date_to = forms.DateField(label="To", required=False, widget=DATE)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All teams"), *((t, t) for t in teams)]

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"kind": data.get("kind") or "", "team": data.get("team") or "",
                "date_from": data.get("date_from"), "date_to": data.get("date_to")}


class RoleEventForm(_OrgForm):
    member = PersonByEmailField()
    kind = forms.ChoiceField(choices=RoleEvent.Kind.choices)
    effective_on = forms.DateField(label="Effective on", widget=DATE, help_text="At most tomorrow.")
    title_before = forms.CharField(label="Title before", max_length=event_rules.TITLE_MAX, required=False)
    title_after = forms.CharField(label="Title after", max_length=event_rules.TITLE_MAX, required=False)
    team_before = forms.CharField(label="Team before", max_length=event_rules.TEAM_MAX, required=False)
    team_after = forms.CharField(label="Team after", max_length=event_rules.TEAM_MAX, required=False,
                                 help_text="A transfer needs a new team or a new title.")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the person of an event is not changed; delete and record again instead
            del self.fields["member"]

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(event: RoleEvent) -> dict:
        return {f: getattr(event, f) for f in ("kind", "effective_on", "title_before", "title_after", "team_before",
                                               "team_after")}


class RampDefinitionForm(forms.Form):
    name = forms.CharField(max_length=event_rules.MILESTONE_NAME_MAX,
                           help_text="e.g. “First production change shipped” or “Signed off by manager”.")
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(label="Measure ramp time to this milestone", required=False,
                                   help_text="Only one milestone is measured; choosing this one replaces the current.")


class RampMilestoneForm(_OrgForm):
    member = PersonByEmailField()
    definition = forms.ModelChoiceField(label="Milestone", queryset=RampMilestoneDefinition.unscoped.none(),
                                        empty_label=None)
    reached_on = forms.DateField(label="Reached on", widget=DATE,
                                 help_text="On or after their latest role start; at most tomorrow.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["definition"].queryset = RampMilestoneDefinition.objects.for_org(self.org) \
            .order_by("-is_active", "name")


class EventImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=EventImport.Kind.choices,
                             widget=forms.RadioSelect, initial=EventImport.Kind.ROLE_EVENTS)
    file = forms.FileField(label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
                           help_text="UTF-8 CSV with a header row, at most 5 MB.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.METRICS_IMPORT_MAX_BYTES:
            raise ValidationError(f"The file is larger than {settings.METRICS_IMPORT_MAX_BYTES // (1024 * 1024)} MB.")
        return upload
