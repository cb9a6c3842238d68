"""HTML forms of the directory, session requests and the time-bank: shape
only; the rules live in services_directory.py and services_timebank.py."""

from __future__ import annotations

from django import forms
from django.utils.dateparse import parse_datetime

MINUTE_CHOICES = [(m, f"{m} minutes") for m in (15, 20, 25, 30)]


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label="Search mentors", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off",
                                                      "placeholder": "Topic, skill, work area, team or name"}))


class ListingForm(forms.Form):
    topics = forms.CharField(label="Topics", required=False, max_length=600,
                             help_text="Comma-separated, e.g. system design, hiring, Postgres.")
    about = forms.CharField(label="A line about what you can help with", required=False, max_length=300,
                            widget=forms.Textarea(attrs={"rows": 2}))
    weekly_capacity = forms.IntegerField(label="Sessions a week at most", min_value=1, max_value=40)
    is_available = forms.TypedChoiceField(
        label="Taking requests", coerce=lambda value: value == "yes", widget=forms.RadioSelect,
        choices=[("yes", "Available: mentees can request sessions"),
                 ("no", "Unavailable: open requests are declined with my message")])
    unavailable_message = forms.CharField(label="Message when unavailable", required=False, max_length=200,
                                          help_text="E.g. “On leave until 12 January”.")

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["topics"] = [name.strip() for name in data["topics"].split(",") if name.strip()]
        return data


class RequestForm(forms.Form):
    minutes = forms.TypedChoiceField(label="Length", coerce=int, choices=MINUTE_CHOICES)
    start = forms.CharField(label="Time", widget=forms.RadioSelect)
    note = forms.CharField(label="Note for the mentor", required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="What you would like to work on in these minutes.")

    def clean_start(self):
        value = parse_datetime(self.cleaned_data["start"] or "")
        if value is None or value.tzinfo is None:
            raise forms.ValidationError("Pick one of the offered times.")
        return value


class DeclineForm(forms.Form):
    message = forms.CharField(label="Message for the mentee", max_length=300,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="E.g. “That week is full; any slot next week works.”")


class AdjustForm(forms.Form):
    minutes = forms.IntegerField(label="Minutes to add (negative to take away)", min_value=-6000, max_value=6000)
    reason = forms.CharField(label="Reason", max_length=200, help_text="Recorded in the audit log.")
