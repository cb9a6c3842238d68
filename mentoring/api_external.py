"""REST API of external mentors (agreement template, terms, agreements,
monthly statements) and of participants' own goals. Thin: writes go through
``services_external`` / ``services_programs``; ids are looked up inside the org."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, renderers, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from . import selectors_external as sel
from . import services_external as svc
from . import services_programs
from .api import CSVRenderer, OrgResourceViewSet, _errors, _valid
from .models import Membership
from .models_external import AGREEMENT_PLACEHOLDERS, EngagementAgreement, EngagementTemplate
from .models_programs import Participant

MANAGER = ("manager",)


# --- Output ----------------------------------------------------------------------------------

class AgreementTemplateOut(serializers.Serializer):
    body = serializers.CharField()
    version = serializers.IntegerField(help_text="0: the default text, never saved.")
    placeholders = serializers.DictField(child=serializers.CharField())


class TermsOut(serializers.Serializer):
    hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2)
    currency = serializers.CharField()
    trial_sessions = serializers.IntegerField()
    trial_starts_on = serializers.DateField()
    trial_ends_on = serializers.DateField()
    monthly_cap = serializers.IntegerField()


class AgreementOut(serializers.ModelSerializer):
    mentor = serializers.UUIDField(source="mentor_id")
    accepted_by = serializers.UUIDField(source="accepted_by_id", allow_null=True)
    status = serializers.ChoiceField(choices=["pending", "accepted", "superseded"])

    class Meta:
        model = EngagementAgreement
        fields = ["id", "mentor", "number", "status", "template_version", "body", "terms", "created_at",
                  "accepted_at", "accepted_by", "superseded_at"]
        read_only_fields = fields


class TrialOut(serializers.Serializer):
    ends_on = serializers.DateField()
    days_left = serializers.IntegerField()
    used = serializers.IntegerField(help_text="Logged sessions inside the trial's dates.")
    size = serializers.IntegerField()
    ended = serializers.BooleanField()
    ending_soon = serializers.BooleanField(help_text="Ends within 7 days.")
    used_up = serializers.BooleanField()


class ExternalMentorOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()
    is_active = serializers.BooleanField()
    terms = TermsOut(allow_null=True)
    agreement = AgreementOut(allow_null=True, help_text="The current agreement.")
    trial = TrialOut(allow_null=True)
    sessions_this_month = serializers.IntegerField(help_text="Booked or logged, not cancelled.")


class StatementLineOut(serializers.Serializer):
    session = serializers.UUIDField(source="session_id")
    start = serializers.DateTimeField()
    mentee = serializers.CharField()
    minutes = serializers.IntegerField()
    hourly_rate = serializers.DecimalField(source="rate", max_digits=8, decimal_places=2)
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    trial = serializers.BooleanField()


class StatementTotalOut(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatementOut(serializers.Serializer):
    mentor = serializers.UUIDField(source="mentor.pk")
    month = serializers.SerializerMethodField()
    minutes = serializers.IntegerField()
    trial_sessions = serializers.IntegerField(source="trial_count")
    lines = StatementLineOut(many=True)
    totals = serializers.SerializerMethodField()

    def get_month(self, statement) -> str:
        return statement.month.strftime("%Y-%m")

    @extend_schema_field(StatementTotalOut(many=True))
    def get_totals(self, statement):
        return StatementTotalOut([{"currency": c, "amount": a} for c, a in statement.total_items], many=True).data


class MyParticipationOut(serializers.ModelSerializer):
    cohort = serializers.UUIDField(source="cohort_id")
    cohort_name = serializers.CharField(source="cohort.name")
    program_name = serializers.CharField(source="cohort.program.name")
    goal_skills = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Participant
        fields = ["id", "cohort", "cohort_name", "program_name", "role", "goals", "goal_skills"]
        read_only_fields = fields


# --- Input -----------------------------------------------------------------------------------------

class AgreementTemplateIn(serializers.Serializer):
    body = serializers.CharField(max_length=20000)


class TermsIn(serializers.Serializer):
    hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    currency = serializers.CharField(min_length=3, max_length=3)
    trial_sessions = serializers.IntegerField(min_value=0, max_value=100)
    trial_starts_on = serializers.DateField()
    trial_ends_on = serializers.DateField()
    monthly_cap = serializers.IntegerField(min_value=1, max_value=500)


class MonthIn(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", required=False, help_text="e.g. 2026-03; default: this month.")


class GoalsIn(serializers.Serializer):
    goals = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    goal_skills = serializers.ListField(child=serializers.CharField(max_length=80), max_length=50, required=False)


def _month(org, query) -> "date":
    return sel.month_parse(_valid(MonthIn, query.dict()).get("month"), default=sel.org_today(org))


# --- Viewsets ------------------------------------------------------------------------------------------

class AgreementTemplateViewSet(OrgResourceViewSet):
    """The org's engagement agreement template (program managers)."""

    queryset = EngagementTemplate.unscoped.none()
    serializer_class = AgreementTemplateOut
    action_roles = {"retrieve": MANAGER, "partial_update": MANAGER}

    def org_queryset(self, org, membership):
        return EngagementTemplate.objects.for_org(org)

    def _out(self, template):
        return AgreementTemplateOut({"body": template.body, "version": template.version,
                                     "placeholders": AGREEMENT_PLACEHOLDERS}).data

    @extend_schema(responses={200: AgreementTemplateOut, **_errors(403, 404)})
    def retrieve(self, request, org_slug):
        return Response(self._out(sel.agreement_template_of(self.org)))

    @extend_schema(request=AgreementTemplateIn, responses={200: AgreementTemplateOut, **_errors(400, 403, 404)},
                   description="Agreements generated before keep their text.")
    def partial_update(self, request, org_slug):
        body = _valid(AgreementTemplateIn, request.data)["body"]
        return Response(self._out(svc.agreement_template_update(actor=self.membership, body=body)))


class ExternalMentorViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, OrgResourceViewSet):
    """External mentors with terms, current agreement and trial flags
    (managers); a mentor reads their own entry and statements."""

    queryset = Membership.unscoped.none()
    serializer_class = ExternalMentorOut
    action_roles = {"list": MANAGER, "terms": MANAGER}

    def org_queryset(self, org, membership):
        mentors = sel.external_mentors(org)
        return mentors if membership.is_manager else mentors.filter(pk=membership.pk)

    def _decorated(self, rows):
        return sel.decorate(self.org, rows, sel.org_today(self.org))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ExternalMentorOut(self._decorated(page), many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(ExternalMentorOut(self._decorated([self.get_object()])[0]).data)

    @extend_schema(request=TermsIn, responses={200: AgreementOut, **_errors(400, 403, 404)},
                   description="Set the terms; a new agreement is generated from the template and must be "
                               "accepted by the mentor before sessions can be booked with them.")
    @action(detail=True, methods=["put"])
    def terms(self, request, org_slug, id):
        mentor = self.get_object()
        data = _valid(TermsIn, request.data)
        return Response(AgreementOut(svc.external_terms_set(actor=self.membership, mentor=mentor, **data)).data)

    @extend_schema(parameters=[MonthIn], responses={200: StatementOut, **_errors(400, 404)},
                   description="Logged sessions of the month (org time zone): minutes × hourly rate / 60 per line, "
                               "rounded half-up to cents; totals per currency; trial sessions marked.")
    @action(detail=True, methods=["get"])
    def statement(self, request, org_slug, id):
        mentor = self.get_object()
        month = _month(self.org, request.query_params)
        return Response(StatementOut(sel.compensation_statement(self.org, mentor, month)).data)

    @extend_schema(parameters=[MonthIn], responses={(200, "text/csv"): OpenApiTypes.STR, **_errors(400, 404)},
                   description="The statement as CSV; every export is recorded in the audit log.")
    @action(detail=True, methods=["get"], url_path="statement-csv",
            renderer_classes=[renderers.JSONRenderer, CSVRenderer])
    def statement_csv(self, request, org_slug, id):
        mentor = self.get_object()
        month = _month(self.org, request.query_params)
        response = HttpResponse(svc.compensation_export(actor=self.membership, mentor=mentor, month=month),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.org.slug}-statement-{month:%Y-%m}.csv"'
        return response


class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Engagement agreements: managers read all, a mentor their own and accepts it."""

    queryset = EngagementAgreement.unscoped.none()
    serializer_class = AgreementOut

    def org_queryset(self, org, membership):
        agreements = EngagementAgreement.objects.for_org(org).order_by("mentor_id", "-number")
        return agreements if membership.is_manager and self.action != "accept" else \
            agreements.filter(mentor=membership)

    @extend_schema(request=None, responses={200: AgreementOut, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"])
    def accept(self, request, org_slug, id):
        return Response(AgreementOut(svc.agreement_accept(actor=self.membership, agreement=self.get_object())).data)


class MyParticipationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """The caller's own participations; they edit their goals and skills to build."""

    queryset = Participant.unscoped.none()
    serializer_class = MyParticipationOut

    def org_queryset(self, org, membership):
        return Participant.objects.for_org(org).filter(membership=membership) \
            .select_related("cohort__program").prefetch_related("goal_skills").order_by("-cohort__starts_on", "id")

    @extend_schema(request=GoalsIn, responses={200: MyParticipationOut, **_errors(400, 404)})
    def partial_update(self, request, org_slug, id):
        participant = self.get_object()
        services_programs.participant_update(actor=self.membership, participant=participant,
                                             **dict(_valid(GoalsIn, request.data)))
        return Response(MyParticipationOut(self.get_object()).data)
