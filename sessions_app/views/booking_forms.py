"""Forms of the booking and availability pages: they parse input; the rules
live in the services, whose DomainErrors come back onto the form."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone

from mentoring.models import Membership

from ..models import WEEKDAYS, AgendaTemplate
from ..services.agendas import agenda_templates
from ..slots import ALLOWED_MINUTES

TIME_INPUT = {"type": "time", "step": 300}


class WorkingHoursForm(forms.Form):
    """One window per weekday: ``d0_on``/``d0_start``/``d0_end`` for Monday, and so on."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in WEEKDAYS:
            self.fields[f"d{day}_on"] = forms.BooleanField(label=f"Work on {name}", required=False)
            self.fields[f"d{day}_start"] = forms.TimeField(
                label=f"{name} starts", required=False, widget=forms.TimeInput(attrs=TIME_INPUT, format="%H:%M"))
            self.fields[f"d{day}_end"] = forms.TimeField(
                label=f"{name} ends", required=False, widget=forms.TimeInput(attrs=TIME_INPUT, format="%H:%M"))

    @staticmethod
    def initial_for(windows: list, person: Membership) -> dict:
        """The saved windows (the first of a day), or the profile's default hours Mon–Fri."""
        initial = {}
        days = {}
        for window in windows:
            days.setdefault(window.weekday, window)
        for day, _ in WEEKDAYS:
            window = days.get(day)
            default = not windows and day < 5
            initial[f"d{day}_on"] = window is not None or default
            initial[f"d{day}_start"] = window.start if window else person.working_hours_start
            initial[f"d{day}_end"] = window.end if window else person.working_hours_end
        return initial

    def rows(self):
        return [(name, self[f"d{day}_on"], self[f"d{day}_start"], self[f"d{day}_end"]) for day, name in WEEKDAYS]

    def clean(self):
        data = super().clean()
        for day, name in WEEKDAYS:
            if not data.get(f"d{day}_on"):
                continue
            start, end = data.get(f"d{day}_start"), data.get(f"d{day}_end")
            if start is None and f"d{day}_start" not in self.errors:
                self.add_error(f"d{day}_start", f"Give the time your {name} starts.")
            if end is None and f"d{day}_end" not in self.errors:
                self.add_error(f"d{day}_end", f"Give the time your {name} ends.")
            if start and end and end <= start:
                self.add_error(f"d{day}_end", f"{name} must end after it starts ({start:%H:%M}).")
        return data

    def windows(self) -> list:
        data = self.cleaned_data
        return [(day, data[f"d{day}_start"], data[f"d{day}_end"]) for day, _ in WEEKDAYS if data.get(f"d{day}_on")]


class FocusBlockForm(forms.Form):
    weekday = forms.TypedChoiceField(label="Day", choices=WEEKDAYS, coerce=int)
    start = forms.TimeField(label="From", widget=forms.TimeInput(attrs=TIME_INPUT, format="%H:%M"))
    end = forms.TimeField(label="Until", widget=forms.TimeInput(attrs=TIME_INPUT, format="%H:%M"))
    label = forms.CharField(label="Label (optional)", required=False, max_length=80,
                            widget=forms.TextInput(attrs={"placeholder": "e.g. Deep work"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", f"A focus block must end after it starts ({data['start']:%H:%M}).")
        return data


class CalendarUploadForm(forms.Form):
    name = forms.CharField(label="Calendar name", max_length=120,
                           widget=forms.TextInput(attrs={"placeholder": "e.g. Work"}))
    file = forms.FileField(label="Calendar file (.ics)",
                           widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}))


class CalendarSubscribeForm(forms.Form):
    name = forms.CharField(label="Calendar name", max_length=120)
    # A CharField: webcal:// addresses are common and not valid for URLField; the service checks it.
    url = forms.CharField(label="Calendar address (ICS URL)", max_length=1000,
                          widget=forms.URLInput(attrs={"placeholder": "https://…/calendar.ics"}),
                          help_text="The secret address of your calendar in iCal format; it is fetched every hour.")


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason (optional, sent to both people)", required=False, max_length=200,
                             widget=forms.Textarea(attrs={"rows": 3}))


def _person_choice(person: Membership, viewer: Membership) -> str:
    return f"You ({person.display_name})" if person.pk == viewer.pk else person.display_name


class SlotsForm(forms.Form):
    """Who, how long and which agenda: a GET form (the slot list updates as it changes).

    A program manager picks any mentor and mentee; anyone else is one of the
    two, so their own side offers only themself (both sides, for someone who is
    a mentor and a mentee)."""

    mentor = forms.ModelChoiceField(queryset=Membership.unscoped.none(), required=False,
                                    empty_label="— pick a mentor —")
    mentee = forms.ModelChoiceField(queryset=Membership.unscoped.none(), required=False,
                                    empty_label="— pick a mentee —")
    minutes = forms.TypedChoiceField(label="Length", coerce=int)
    agenda = forms.ModelChoiceField(label="Agenda (optional)", queryset=AgendaTemplate.unscoped.none(),
                                    required=False, empty_label="No agenda")

    def __init__(self, data=None, *, org, viewer: Membership, **kwargs):
        super().__init__(data, **kwargs)
        self.org, self.viewer = org, viewer
        people = Membership.objects.for_org(org).active().only("id", "display_name", "organization_id")
        self.fields["mentor"].queryset = self._side(people, "mentor")
        self.fields["mentee"].queryset = self._side(people, "mentee")
        for name in ("mentor", "mentee"):
            self.fields[name].label_from_instance = lambda person: _person_choice(person, viewer)
        lengths = [m for m in ALLOWED_MINUTES if org.session_min_minutes <= m <= org.session_max_minutes]
        self.fields["minutes"].choices = [(m, f"{m} minutes") for m in lengths]
        self.fields["minutes"].initial = max(lengths)
        # Through the service: an org gets its default agendas here too, not only once a manager opens /agendas/.
        self.fields["agenda"].queryset = agenda_templates(org).only("id", "name", "outcome_type")
        # The viewer's own side is known: start there.
        if not viewer.is_manager:
            if viewer.is_mentee:
                self.fields["mentee"].initial = viewer.pk
            elif viewer.is_mentor:
                self.fields["mentor"].initial = viewer.pk

    def initial_data(self) -> dict:
        return {name: field.initial if field.initial is not None else "" for name, field in self.fields.items()}

    def _side(self, people, role: str):
        viewer = self.viewer
        other = "mentee" if role == "mentor" else "mentor"
        if viewer.is_manager or viewer.has_role(other):
            side = people.with_role(role)
            if not viewer.is_manager and not viewer.has_role(role):
                side = side.exclude(pk=viewer.pk)
            return side
        return people.filter(pk=viewer.pk)  # only themself on their own side

    def fixed(self, name: str) -> Membership | None:
        """The viewer, when they are the only choice of a side (shown as text, not as a select)."""
        other = "mentee" if name == "mentor" else "mentor"
        viewer = self.viewer
        return viewer if viewer.has_role(name) and not viewer.has_role(other) and not viewer.is_manager else None

    def request(self) -> dict | None:
        """mentor, mentee, minutes and agenda once the pair is complete, else None."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        data["mentor"] = data.get("mentor") or self.fixed("mentor")
        data["mentee"] = data.get("mentee") or self.fixed("mentee")
        if not (data["mentor"] and data["mentee"]):
            return None
        if data["mentor"].pk == data["mentee"].pk:
            self.add_error("mentee", "A session needs two different people.")
            return None
        if not self.viewer.is_manager and self.viewer.pk not in (data["mentor"].pk, data["mentee"].pk):
            self.add_error(None, "Pick yourself as the mentor or the mentee.")
            return None
        for person in (data["mentor"], data["mentee"]):
            person.organization = self.org  # same org (the queryset is scoped); spares queries later
        return data


class BookForm(SlotsForm):
    start = forms.CharField(max_length=40)

    def clean_start(self):
        try:
            start = datetime.fromisoformat(self.cleaned_data["start"])
        except ValueError:
            raise forms.ValidationError("Pick one of the suggested times.") from None
        if timezone.is_naive(start):
            raise forms.ValidationError("Pick one of the suggested times.")
        return start


class MoveForm(forms.Form):
    start = forms.CharField(max_length=40)
    clean_start = BookForm.clean_start
