"""``/api/v1/orgs/<org_slug>/metrics/dashboard/``: every dashboard figure (HR
and managers), the same payload and tables as the page; and the manager's
on-demand recompute."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from mentoring.api import OrgResourceViewSet, _errors, _valid
from mentoring.errors import DomainError

from mentoring.outbox import enqueue_on_commit
from .dashboard import FilterError, dashboard_figures, parse_filter, tables
from .models import MetricSnapshot
from .selectors import PERIODS
from .tasks import progress_get, progress_set, snapshots_recompute_task


class DashboardFilterIn(serializers.Serializer):
    program = serializers.UUIDField(required=False, help_text="A program of this org.")
    cohort = serializers.UUIDField(required=False, help_text="A cohort of this org (not a draft).")
    team = serializers.CharField(required=False, max_length=80, help_text="A team name (the people profile's team).")
    period = serializers.ChoiceField([*PERIODS, "custom"], required=False, default="13w",
                                     help_text="A standard period ending today, or custom with from/to.")
    # "from" is a Python keyword: declared under another name and renamed below.
    from_ = serializers.DateField(required=False, help_text="Start of a custom period (included).")
    to = serializers.DateField(required=False, help_text="End of a custom period (included), as of this day.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class TableOut(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class DashboardOut(serializers.Serializer):
    title = serializers.CharField()
    scope = serializers.CharField()
    scope_key = serializers.CharField()
    team = serializers.CharField()
    period = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    as_of = serializers.DateTimeField(allow_null=True)
    from_snapshot = serializers.BooleanField()
    k = serializers.IntegerField(help_text="Figures from fewer people are suppressed.")
    figures = serializers.JSONField(help_text="Every figure with its n (people); suppressed ones carry "
                                              "{\"suppressed\": true, \"reason\": \"fewer than k\"} only.")
    tables = TableOut(many=True)


class RecomputeOut(serializers.Serializer):
    status = serializers.CharField()
    progress = serializers.IntegerField()
    stage = serializers.CharField()


class OneObjectSchema(AutoSchema):
    """The dashboard's GET on the collection path answers one object, not a list."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class DashboardViewSet(OrgResourceViewSet):
    """Every dashboard figure of a group and period (HR and program managers):
    ``figures`` holds each figure with its ``n``; figures from fewer than k
    people (or isolating fewer than k against a wider group) are suppressed.
    ``tables`` are the page's tables, cell for cell. Standard periods are read
    from snapshots (``as_of``); other filters are computed on request."""

    queryset = MetricSnapshot.unscoped.none()
    serializer_class = DashboardOut
    schema = OneObjectSchema()
    pagination_class = None
    action_roles = {"list": ("hr", "manager"), "recompute": ("manager",), "recompute_progress": ("manager",)}

    def org_queryset(self, org, membership):
        return MetricSnapshot.objects.for_org(org)

    @extend_schema(parameters=[DashboardFilterIn], responses={200: DashboardOut, **_errors(400, 403, 404)})
    def list(self, request, *args, **kwargs):
        params = {key: str(value) for key, value in _valid(DashboardFilterIn, request.query_params.dict()).items()}
        try:
            flt = parse_filter(self.org, params)
        except FilterError as error:
            raise DomainError(error.errors) from error
        payload, as_of, from_snapshot = dashboard_figures(self.org, flt)
        scope, key = flt.scope
        body = {"title": flt.title, "scope": scope, "scope_key": key, "team": flt.team, "period": flt.period,
                "period_start": flt.frm, "period_end": flt.to, "as_of": as_of, "from_snapshot": from_snapshot,
                "k": self.org.k_anonymity, "figures": payload, "tables": tables(payload, self.org.k_anonymity)}
        # The body already has DashboardOut's shape (the schema); DRF's JSON encoder writes the dates.
        return Response(body)

    @extend_schema(request=None, responses={202: RecomputeOut, **_errors(403, 404)})
    @action(detail=False, methods=["post"])
    def recompute(self, request, *args, **kwargs):
        progress_set(str(self.org.pk), status="queued", progress=0, stage="Queued")
        enqueue_on_commit(snapshots_recompute_task, str(self.org.pk))
        return Response(RecomputeOut(progress_get(str(self.org.pk))).data, status=202)

    @extend_schema(responses={200: RecomputeOut, **_errors(403, 404)})
    @action(detail=False, methods=["get"], url_path="recompute/progress")
    def recompute_progress(self, request, *args, **kwargs):
        state = progress_get(str(self.org.pk)) or {"status": "none", "progress": 0, "stage": "No recompute asked for"}
        return Response(RecomputeOut(state).data)
