"""Forms of the external-mentor and my-goals pages: shape only; the rules live
in services_external / services_programs."""

from __future__ import annotations

from django import forms

DATE = forms.DateInput(attrs={"type": "date"})


class AgreementTemplateForm(forms.Form):
    body = forms.CharField(label="Agreement text", max_length=20000, widget=forms.Textarea(attrs={"rows": 16}),
                           help_text="Placeholders in braces are filled in per mentor (see the list).")


class TermsForm(forms.Form):
    hourly_rate = forms.DecimalField(label="Hourly rate", max_digits=8, decimal_places=2, min_value=0)
    currency = forms.CharField(label="Currency", max_length=3, min_length=3, help_text="Three letters, e.g. EUR.")
    trial_sessions = forms.IntegerField(label="Paid-trial sessions", min_value=0, max_value=100, initial=3)
    trial_starts_on = forms.DateField(label="Trial starts", widget=DATE)
    trial_ends_on = forms.DateField(label="Trial ends", widget=DATE)
    monthly_cap = forms.IntegerField(label="Sessions per month at most", min_value=1, max_value=500, initial=8)


class MonthForm(forms.Form):
    month = forms.CharField(label="Month", required=False, widget=forms.DateInput(attrs={"type": "month"}),
                            help_text="Format: 2026-03.")


class GoalsForm(forms.Form):
    goals = forms.CharField(label="Your goals", required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="What you want from this cohort, in your words.")
    goal_skills = forms.CharField(label="Skills you want to build", required=False, max_length=2000,
                                  help_text="Separate skills with commas, e.g. system design, hiring.")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"goals": data["goals"],
                "goal_skills": [s.strip() for s in data["goal_skills"].split(",") if s.strip()]}
