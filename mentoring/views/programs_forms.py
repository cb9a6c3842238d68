"""Forms of the program pages: they check the shape of input; the rules live in
services_programs (whose DomainErrors come back onto the form)."""

from __future__ import annotations

from django import forms

from ..models_programs import Participant, Program

DATE = forms.DateInput(attrs={"type": "date"})
ROLE_CHOICES = Participant.Role.choices


class ProgramForm(forms.Form):
    name = forms.CharField(label="Program name", max_length=120)
    kind = forms.ChoiceField(label="Kind", choices=Program.Kind.choices, initial=Program.Kind.COHORT)
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    recent_cohorts = forms.IntegerField(label="Do not repeat pairs of the last … cohorts", min_value=0,
                                        max_value=10, initial=2)
    min_shared_hours = forms.FloatField(label="Fewest shared working hours per pair", min_value=0, max_value=12,
                                        initial=1.0)
    cohort_name = forms.CharField(label="First cohort name", max_length=120, required=False, initial="Cohort 1")
    cohort_starts_on = forms.DateField(label="First cohort starts", required=False, widget=DATE)
    cohort_ends_on = forms.DateField(label="First cohort ends", required=False, widget=DATE,
                                     help_text="4 to 8 weeks after the start.")
    cohort_ratio = forms.IntegerField(label="Mentees per mentor", required=False, min_value=1, max_value=20,
                                      help_text="Empty: the organisation's policy.")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {key: data[key] for key in ("name", "kind", "description", "recent_cohorts", "min_shared_hours")}
        if data["kind"] == Program.Kind.COHORT:
            kwargs["first_cohort"] = {"name": data["cohort_name"] or "Cohort 1", "starts_on": data["cohort_starts_on"],
                                      "ends_on": data["cohort_ends_on"], "ratio": data["cohort_ratio"]}
        return kwargs


class CohortForm(forms.Form):
    name = forms.CharField(label="Cohort name", max_length=120)
    starts_on = forms.DateField(label="Starts", widget=DATE)
    ends_on = forms.DateField(label="Ends", widget=DATE, help_text="4 to 8 weeks after the start.")
    ratio = forms.IntegerField(label="Mentees per mentor", required=False, min_value=1, max_value=20,
                               help_text="Empty: the organisation's policy.")


class IdsField(forms.MultipleChoiceField):
    """Ids ticked in a list the template renders; the service looks each one up in the org."""

    def valid_value(self, value):
        return True


class PickForm(forms.Form):
    role = forms.ChoiceField(label="Add as", choices=ROLE_CHOICES)
    people = IdsField(label="People", error_messages={"required": "Tick at least one person."})


class FilterForm(forms.Form):
    role = forms.ChoiceField(label="Add as", choices=ROLE_CHOICES)
    team = forms.ChoiceField(label="Team", required=False)
    title = forms.CharField(label="Title contains", required=False, max_length=120)
    hired_within_days = forms.IntegerField(label="Hired in the last … days", required=False, min_value=1,
                                           max_value=3650)
    hired_from = forms.DateField(label="Hired on or after", required=False, widget=DATE)
    hired_to = forms.DateField(label="Hired on or before", required=False, widget=DATE)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "Any team"), *((t, t) for t in teams)]


class CsvForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Columns: email, role (mentor or mentee).")


class ParticipantForm(forms.Form):
    goals = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="What they want from this cohort, in their words.")
    goal_skills = forms.CharField(label="Skills to build", required=False, max_length=2000,
                                  help_text="Separate skills with commas; matched against mentors' skills.")
    capacity = forms.IntegerField(label="Mentees at most", required=False, min_value=0, max_value=50,
                                  help_text="Empty: the cohort's ratio.")
    opt_outs = forms.MultipleChoiceField(label="Never pair with", required=False, choices=(),
                                         widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, participant, others=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opt_outs"].choices = [(str(p.membership_id), p.membership.display_name) for p in others]
        if participant.role != Participant.Role.MENTOR:
            del self.fields["capacity"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"goals": data["goals"], "opt_outs": data["opt_outs"],
                  "goal_skills": [s.strip() for s in data["goal_skills"].split(",") if s.strip()]}
        if "capacity" in self.fields:
            kwargs["capacity"] = data["capacity"]
        return kwargs


class SwapForm(forms.Form):
    pair = forms.ChoiceField(label="Mentee", choices=())
    other = forms.ChoiceField(label="Swap mentors with", choices=())

    def __init__(self, *args, pairs=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(p.pk), f"{p.mentee.membership.display_name} (mentor {p.mentor.membership.display_name})")
                   for p in pairs if not p.locked]
        self.fields["pair"].choices = self.fields["other"].choices = choices


class AssignForm(forms.Form):
    mentee = forms.ChoiceField(label="Mentee", choices=())
    mentor = forms.ChoiceField(label="Mentor", choices=())

    def __init__(self, *args, mentees=(), mentors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentee"].choices = [(str(p.pk), p.membership.display_name) for p in mentees]
        self.fields["mentor"].choices = [
            (str(p.pk), f"{p.membership.display_name} ({p.pair_count} of {p.effective_capacity})") for p in mentors]
