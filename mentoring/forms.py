"""HTML forms: they parse and check the shape of input; the rules live in
services.py, whose DomainErrors come back onto the form (``form_errors_from``)."""

from __future__ import annotations

import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q

from .models import ROLE_LABELS, ROLES, Membership

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in ROLES]


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class PeopleFilterForm(forms.Form):
    """The people page's search and filters (a GET form; never invalid)."""

    q = forms.CharField(label="Search", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email, title or skill",
                                                      "autocomplete": "off"}))
    team = forms.ChoiceField(label="Team", required=False)
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "Any role"), *ROLE_CHOICES])

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All teams"), *((t, t) for t in teams)]

    def filters(self) -> dict:
        """Valid filters only: an unknown team or role is ignored, not an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"q": (data.get("q") or "").strip(), "team": data.get("team") or "", "role": data.get("role") or ""}


class PersonForm(forms.Form):
    display_name = forms.CharField(label="Name", max_length=120)
    title = forms.CharField(max_length=120, required=False)
    team = forms.CharField(max_length=80, required=False)
    manager = forms.ModelChoiceField(queryset=Membership.unscoped.none(), required=False, empty_label="— none —",
                                     help_text="The person they report to.")
    time_zone = forms.ChoiceField(label="Time zone")
    working_hours_start = forms.TimeField(label="Working day starts", widget=forms.TimeInput(attrs={"type": "time"}))
    working_hours_end = forms.TimeField(label="Working day ends", widget=forms.TimeInput(attrs={"type": "time"}))
    hire_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    role_start_date = forms.DateField(label="Current role since", required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    skills = forms.CharField(required=False, max_length=2000, help_text="Separate skills with commas.")
    work_items = forms.CharField(label="Current work", required=False, max_length=10000,
                                 widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text="One per line: “name | https://link” (the link is optional).")
    is_external = forms.BooleanField(label="External mentor", required=False)
    hourly_rate = forms.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False)
    currency = forms.CharField(max_length=3, required=False, help_text="3 letters, e.g. EUR.")

    EXTERNAL_FIELDS = ("is_external", "hourly_rate", "currency")

    def __init__(self, *args, org, person, can_edit_terms: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
        # Active people, plus the current manager even if since deactivated (saving must not fail on it).
        self.fields["manager"].queryset = (Membership.objects.for_org(org)
                                           .filter(Q(is_active=True) | Q(pk=person.manager_id))
                                           .exclude(pk=person.pk).only("id", "display_name", "email"))
        self.fields["manager"].label_from_instance = lambda m: f"{m.display_name} ({m.email})"
        if not can_edit_terms:
            for name in self.EXTERNAL_FIELDS:
                del self.fields[name]

    @staticmethod
    def initial_for(person: Membership) -> dict:
        return {
            **{name: getattr(person, name) for name in (
                "display_name", "title", "team", "time_zone", "working_hours_start", "working_hours_end",
                "hire_date", "role_start_date", "is_external", "hourly_rate", "currency")},
            "manager": person.manager_id,
            "skills": ", ".join(s.name for s in person.skills.all()),
            "work_items": "\n".join(f"{w.name} | {w.url}" if w.url else w.name for w in person.work_items.all()),
        }

    def clean_skills(self) -> list[str]:
        return [s.strip() for s in self.cleaned_data["skills"].split(",") if s.strip()]

    def clean_work_items(self) -> list[tuple[str, str]]:
        items, check_url = [], URLValidator(schemes=["http", "https"])
        for number, line in enumerate(self.cleaned_data["work_items"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _, url = (part.strip() for part in line.partition("|"))
            if not name or len(name) > 120:
                raise ValidationError(f"Line {number}: a work item needs a name of 1–120 characters.")
            if url:
                try:
                    check_url(url)
                except ValidationError:
                    raise ValidationError(f"Line {number}: “{url}” is not an http(s) link.") from None
            items.append((name, url))
        return items

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def service_kwargs(self) -> dict:
        """The cleaned data in the shape ``services.person_update`` takes."""
        data = dict(self.cleaned_data)
        for name in ("title", "team"):
            data[name] = data[name].strip()
        return data


class PeopleImportForm(forms.Form):
    file = forms.FileField(label="People CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
                           help_text="UTF-8 CSV with a header row, at most 5 MB.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
            raise ValidationError(f"The file is larger than {megabytes} MB.")
        return upload


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple,
                                      error_messages={"required": "Pick at least one role."})


class InvitationForm(RolesForm):
    email = forms.EmailField(label="Email address", max_length=254)
    field_order = ["email", "roles"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"roles": ["mentee"]})
        super().__init__(*args, **kwargs)


class OrgPolicyForm(forms.Form):
    name = forms.CharField(label="Organisation name", max_length=120)
    time_zone = forms.ChoiceField(label="Time zone", help_text="Dates in dashboards and digests use this zone.")
    session_min_minutes = forms.IntegerField(label="Shortest session (minutes)", min_value=15, max_value=30)
    session_max_minutes = forms.IntegerField(label="Longest session (minutes)", min_value=15, max_value=30)
    mentee_weekly_cap = forms.TypedChoiceField(label="Sessions per mentee per week", coerce=int,
                                               choices=[(1, "1"), (2, "2")], widget=forms.RadioSelect)
    mentor_weekly_cap = forms.IntegerField(label="Sessions per mentor per week", min_value=1, max_value=40)
    cohort_ratio = forms.IntegerField(label="Mentees per mentor in a cohort", min_value=1, max_value=20)
    k_anonymity = forms.IntegerField(label="Smallest group shown in dashboards (k)", min_value=2, max_value=50,
                                     help_text="Smaller groups are suppressed to protect privacy.")
    timebank_starting_grant = forms.IntegerField(
        label="Starting time-bank grant (minutes)", min_value=0, max_value=600,
        help_text="Credit each member starts with to book sessions in network programs.")
    require_mfa_for_staff = forms.BooleanField(
        label="Require two-factor authentication for program managers and HR", required=False,
        help_text="Without it they are sent to set it up before they can use this organisation, "
                  "and cannot create API tokens.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()

    def clean(self):
        data = super().clean()
        low, high = data.get("session_min_minutes"), data.get("session_max_minutes")
        if low and high and low > high:
            self.add_error("session_max_minutes", "Must be at least the shortest session length.")
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=80, help_text="What will use it, e.g. “HR reporting script”.")
