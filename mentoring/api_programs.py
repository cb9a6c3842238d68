"""REST API of programs, cohorts, participants, pairs and pairing runs.
Thin: writes go through ``services_programs``; ids from the URL or the body are
looked up inside the org of the URL. Program managers run everything; any
member may read their own published pairs."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from . import selectors_programs as sel
from . import services_programs as svc
from .api import _errors, _valid, OrgResourceViewSet
from .api_viewsets import EVERY_MEMBER
from .models_programs import Cohort, Pair, PairChange, PairingRun, Participant, Program

MANAGER = ("manager",)


def _in_org(model, org, value, message="No such item in this organisation."):
    """An id from the body is a suspect: look it up inside the org only."""
    found = model.objects.for_org(org).filter(pk=value).first()
    if found is None:
        raise ValidationError(message)
    return found


# --- Output ---------------------------------------------------------------------------------

class ProgramPersonOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()


class ProgramOut(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "name", "kind", "description", "recent_cohorts", "min_shared_hours", "weights", "created_at"]
        read_only_fields = fields


class CohortOut(serializers.ModelSerializer):
    program = serializers.UUIDField(source="program_id")

    class Meta:
        model = Cohort
        fields = ["id", "program", "name", "starts_on", "ends_on", "ratio", "status", "published_at", "ended_at"]
        read_only_fields = fields


class ParticipantOut(serializers.ModelSerializer):
    person = ProgramPersonOut(source="membership")
    cohort = serializers.UUIDField(source="cohort_id")
    goal_skills = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Participant
        fields = ["id", "cohort", "person", "role", "goals", "goal_skills", "capacity", "unmatched_why"]
        read_only_fields = fields


class PairSideOut(serializers.Serializer):
    participant = serializers.UUIDField(source="id")
    person = ProgramPersonOut(source="membership")


class PairOut(serializers.ModelSerializer):
    cohort = serializers.UUIDField(source="cohort_id")
    mentee = PairSideOut()
    mentor = PairSideOut()
    reasons = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Pair
        fields = ["id", "cohort", "mentee", "mentor", "score", "reasons", "locked", "origin", "created_at"]
        read_only_fields = fields


class PairingRunOut(serializers.ModelSerializer):
    cohort = serializers.UUIDField(source="cohort_id")

    class Meta:
        model = PairingRun
        fields = ["id", "cohort", "status", "progress", "stage", "in_background", "mentee_count", "pair_count",
                  "unmatched_count", "objective", "seconds", "error", "created_at", "finished_at"]
        read_only_fields = fields


class PairChangeOut(serializers.ModelSerializer):
    actor = ProgramPersonOut(allow_null=True)

    class Meta:
        model = PairChange
        fields = ["id", "at", "actor", "action", "summary", "before", "after"]
        read_only_fields = fields


class AddedOut(serializers.Serializer):
    added = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Already in the cohort.")


# --- Input ------------------------------------------------------------------------------------

class CohortIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text="4 to 8 weeks after starts_on.")
    ratio = serializers.IntegerField(min_value=1, max_value=20, required=False, allow_null=True, default=None,
                                     help_text="Mentees per mentor; default: the org's policy.")


class CohortCreateIn(CohortIn):
    program = serializers.UUIDField()

    def validate_program(self, value):
        return _in_org(Program, self.context["org"], value, "No such program in this organisation.")


class ProgramIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(Program.Kind.choices, default=Program.Kind.COHORT)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    recent_cohorts = serializers.IntegerField(min_value=0, max_value=10, default=2)
    min_shared_hours = serializers.FloatField(min_value=0, max_value=12, default=1.0)
    first_cohort = CohortIn(required=False, help_text="Create the program's first cohort with it.")


class FilterIn(serializers.Serializer):
    team = serializers.CharField(max_length=80, required=False, default="", allow_blank=True)
    title = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    hired_from = serializers.DateField(required=False, allow_null=True, default=None)
    hired_to = serializers.DateField(required=False, allow_null=True, default=None)
    hired_within_days = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True,
                                                 default=None, help_text="e.g. 90: hired in the last 90 days.")


class ParticipantsAddIn(serializers.Serializer):
    cohort = serializers.UUIDField()
    role = serializers.ChoiceField(Participant.Role.choices, required=False,
                                   help_text="Required with membership_ids or filter.")
    membership_ids = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=5000)
    filter = FilterIn(required=False)
    csv = serializers.CharField(required=False, help_text="CSV text with columns email,role.")

    def validate_cohort(self, value):
        return _in_org(Cohort, self.context["org"], value, "No such cohort in this organisation.")

    def validate(self, data):
        modes = [key for key in ("membership_ids", "filter", "csv") if key in data]
        if len(modes) != 1:
            raise ValidationError("Send exactly one of membership_ids, filter or csv.")
        if modes[0] != "csv" and "role" not in data:
            raise ValidationError({"role": ["Pick mentor or mentee."]})
        return data


class ParticipantIn(serializers.Serializer):
    goals = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    goal_skills = serializers.ListField(child=serializers.CharField(max_length=80), max_length=50, required=False)
    capacity = serializers.IntegerField(min_value=0, max_value=50, allow_null=True, required=False)
    opt_outs = serializers.ListField(child=serializers.UUIDField(), max_length=200, required=False,
                                     help_text="Membership ids never to pair with.")


class AssignIn(serializers.Serializer):
    mentee = serializers.UUIDField(help_text="Participant id of an unpaired mentee.")
    mentor = serializers.UUIDField(help_text="Participant id of a mentor of the same cohort.")
    lock = serializers.BooleanField(default=True)

    def validate_mentee(self, value):
        return _in_org(Participant, self.context["org"], value)

    def validate_mentor(self, value):
        return _in_org(Participant, self.context["org"], value)


class SwapIn(serializers.Serializer):
    other = serializers.UUIDField(help_text="The pair whose mentor to swap with.")

    def validate_other(self, value):
        return _in_org(Pair, self.context["org"], value, "No such pair in this organisation.")


class CohortFilterIn(serializers.Serializer):
    cohort = serializers.UUIDField(required=False)


class ProgramFilterIn(serializers.Serializer):
    program = serializers.UUIDField(required=False)


# --- Viewsets -------------------------------------------------------------------------------------------

class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Programs: cohort (4–8 week cohorts) or network (ongoing)."""

    queryset = Program.unscoped.none()
    serializer_class = ProgramOut
    action_roles = {"list": MANAGER, "retrieve": MANAGER, "create": MANAGER}

    def org_queryset(self, org, membership):
        return sel.programs_list(org=org)

    @extend_schema(request=ProgramIn, responses={201: ProgramOut, **_errors(400, 403, 409)})
    def create(self, request, org_slug):
        data = _valid(ProgramIn, request.data)
        program = svc.program_create(actor=self.membership, **data)
        return Response(ProgramOut(program).data, status=status.HTTP_201_CREATED)


class CohortViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Cohorts: create, run pairing, publish, end, history."""

    queryset = Cohort.unscoped.none()
    serializer_class = CohortOut
    action_roles = {name: MANAGER for name in ("list", "retrieve", "create", "run", "publish", "end", "history")}

    def org_queryset(self, org, membership):
        cohorts = Cohort.objects.for_org(org).order_by("-starts_on", "name", "id")
        if self.action == "list":
            program = _valid(ProgramFilterIn, self.request.query_params.dict()).get("program")
            if program:
                cohorts = cohorts.filter(program_id=program)
        return cohorts

    @extend_schema(parameters=[ProgramFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CohortCreateIn, responses={201: CohortOut, **_errors(400, 403, 409)})
    def create(self, request, org_slug):
        data = dict(_valid(CohortCreateIn, request.data, context=self.get_serializer_context()))
        cohort = svc.cohort_create(actor=self.membership, **data)
        return Response(CohortOut(cohort).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PairingRunOut, 202: PairingRunOut, **_errors(400, 403, 404, 409)},
                   description="Pair the cohort around its locked pairs. Small cohorts answer 200 with the finished "
                               "run; large ones 202: poll pairing-runs/<id>/ for progress.")
    @action(detail=True, methods=["post"])
    def run(self, request, org_slug, id):
        run = svc.pairing_run(actor=self.membership, cohort=self.get_object())
        code = status.HTTP_202_ACCEPTED if run.is_open else status.HTTP_200_OK
        return Response(PairingRunOut(run).data, status=code)

    @extend_schema(request=None, responses={200: CohortOut, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def publish(self, request, org_slug, id):
        return Response(CohortOut(svc.cohort_publish(actor=self.membership, cohort=self.get_object())).data)

    @extend_schema(request=None, responses={200: CohortOut, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"])
    def end(self, request, org_slug, id):
        return Response(CohortOut(svc.cohort_end(actor=self.membership, cohort=self.get_object())).data)

    @extend_schema(responses={200: PairChangeOut(many=True), **_errors(403, 404)})
    @action(detail=True, methods=["get"])
    def history(self, request, org_slug, id):
        page = self.paginate_queryset(sel.history_of(self.get_object()))
        return self.get_paginated_response(PairChangeOut(page, many=True).data)


class ParticipantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Participants of cohorts: add (picked ids, a filter or a CSV), edit goals,
    capacity and opt-outs, remove."""

    queryset = Participant.unscoped.none()
    serializer_class = ParticipantOut
    action_roles = {name: MANAGER for name in ("list", "retrieve", "create", "partial_update", "destroy")}

    def org_queryset(self, org, membership):
        participants = Participant.objects.for_org(org).select_related("membership") \
            .prefetch_related("goal_skills").order_by("cohort_id", "role", "membership__display_name", "id")
        if self.action == "list":
            cohort = _valid(CohortFilterIn, self.request.query_params.dict()).get("cohort")
            if cohort:
                participants = participants.filter(cohort_id=cohort)
        return participants

    @extend_schema(parameters=[CohortFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ParticipantsAddIn, responses={201: AddedOut, **_errors(400, 403, 409)})
    def create(self, request, org_slug):
        data = _valid(ParticipantsAddIn, request.data, context=self.get_serializer_context())
        common = {"actor": self.membership, "cohort": data["cohort"]}
        if "membership_ids" in data:
            result = svc.participants_add(role=data["role"], membership_ids=data["membership_ids"], **common)
        elif "filter" in data:
            result = svc.participants_add_by_filter(role=data["role"], **data["filter"], **common)
        else:
            result = svc.participants_add_csv(content=data["csv"], **common)
        return Response(AddedOut(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ParticipantIn, responses={200: ParticipantOut, **_errors(400, 403, 404)})
    def partial_update(self, request, org_slug, id):
        participant = self.get_object()
        changes = dict(_valid(ParticipantIn, request.data))
        svc.participant_update(actor=self.membership, participant=participant, **changes)
        return Response(ParticipantOut(self.get_object()).data)

    @extend_schema(responses={204: None, **_errors(403, 404, 409)})
    def destroy(self, request, org_slug, id):
        svc.participant_remove(actor=self.membership, participant=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PairViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Pairs. Managers see and adjust every pair (assign, lock, unlock, swap,
    unpair = DELETE); other members see their own published pairs."""

    queryset = Pair.unscoped.none()
    serializer_class = PairOut
    # Everyone lists the pairs they are in; managers see and change all of them.
    action_roles = {"list": EVERY_MEMBER, "retrieve": EVERY_MEMBER,
                    **{name: MANAGER for name in ("create", "lock", "unlock", "swap", "destroy")}}

    def org_queryset(self, org, membership):
        pairs = Pair.objects.for_org(org).select_related(*sel.PAIR_RELATED).order_by("cohort_id", "created_at", "id")
        if not membership.is_manager:
            pairs = pairs.filter(cohort__status=Cohort.Status.PUBLISHED).filter(
                Q(mentee__membership=membership) | Q(mentor__membership=membership))
        if self.action == "list":
            cohort = _valid(CohortFilterIn, self.request.query_params.dict()).get("cohort")
            if cohort:
                pairs = pairs.filter(cohort_id=cohort)
        return pairs

    @extend_schema(parameters=[CohortFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AssignIn, responses={201: PairOut, **_errors(400, 403, 409)},
                   description="Pair an unpaired mentee by hand (locked unless lock=false).")
    def create(self, request, org_slug):
        data = _valid(AssignIn, request.data, context=self.get_serializer_context())
        pair = svc.pair_assign(actor=self.membership, **data)
        return Response(PairOut(pair).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PairOut, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"])
    def lock(self, request, org_slug, id):
        return Response(PairOut(svc.pair_lock(actor=self.membership, pair=self.get_object())).data)

    @extend_schema(request=None, responses={200: PairOut, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"])
    def unlock(self, request, org_slug, id):
        return Response(PairOut(svc.pair_unlock(actor=self.membership, pair=self.get_object())).data)

    @extend_schema(request=SwapIn, responses={200: PairOut(many=True), **_errors(400, 403, 404, 409)},
                   description="Swap the mentors of this pair and `other`; both new pairs must pass the rules.")
    @action(detail=True, methods=["post"])
    def swap(self, request, org_slug, id):
        pair = self.get_object()
        other = _valid(SwapIn, request.data, context=self.get_serializer_context())["other"]
        return Response(PairOut(svc.pair_swap(actor=self.membership, pair=pair, other=other), many=True).data)

    @extend_schema(responses={204: None, **_errors(403, 404, 409)}, description="Unpair (the mentee waits).")
    def destroy(self, request, org_slug, id):
        svc.pair_unpair(actor=self.membership, pair=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PairingRunViewSet(mixins.RetrieveModelMixin, OrgResourceViewSet):
    """A pairing run and its progress (poll it after a 202)."""

    queryset = PairingRun.unscoped.none()
    serializer_class = PairingRunOut
    action_roles = {"retrieve": MANAGER}

    def org_queryset(self, org, membership):
        return PairingRun.objects.for_org(org)
