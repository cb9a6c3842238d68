"""REST API of the metrics inputs: role events, ramp milestone definitions and
ramp milestones, each with a CSV import (preview, or apply with ``?apply=1``).
Thin: writes go through ``services_events``; ids in the body are looked up
inside the org of the URL. Program managers and HR viewers only."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from mentoring.api import CSVParser, ImportIn, ImportQueryIn, ImportRefusedOut, ImportResultOut, OrgResourceViewSet, \
    _errors, _valid
from mentoring.errors import DomainError
from mentoring.models import Membership

from . import event_rules
from . import selectors_events as sel
from . import services_events as svc
from . import services_events_import as imports
from .models import EventImport, RampMilestone, RampMilestoneDefinition, RoleEvent

KEEPERS = svc.KEEPERS
ALL_ACTIONS = ("list", "retrieve", "create", "partial_update", "destroy", "import_csv")


def _in_org(model, org, value, message):
    """An id from the body is a suspect: look it up inside the org only."""
    found = model.objects.for_org(org).filter(pk=value).first()
    if found is None:
        raise ValidationError(message)
    return found


# --- Output -----------------------------------------------------------------------------------------

class EventPersonOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()


class RoleEventOut(serializers.ModelSerializer):
    member = EventPersonOut()

    class Meta:
        model = RoleEvent
        fields = ["id", "member", "kind", "effective_on", "title_before", "title_after", "team_before", "team_after",
                  "source", "created_at"]
        read_only_fields = fields


class RampDefinitionOut(serializers.ModelSerializer):
    class Meta:
        model = RampMilestoneDefinition
        fields = ["id", "name", "description", "is_active", "created_at"]
        read_only_fields = fields


class RampMilestoneOut(serializers.ModelSerializer):
    member = EventPersonOut()
    definition = serializers.UUIDField(source="definition_id")
    definition_name = serializers.CharField(source="definition.name")

    class Meta:
        model = RampMilestone
        fields = ["id", "member", "definition", "definition_name", "reached_on", "source", "created_at"]
        read_only_fields = fields


class EventImportRowOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="Line number in the file (the header is line 1).")
    email = serializers.CharField(required=False, allow_null=True)
    display_name = serializers.CharField(allow_blank=True)
    action = serializers.ChoiceField(["create", "update", "unchanged", "—"],
                                     help_text="What applying does with the row; “—” for a row with errors.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class EventImportResultOut(ImportResultOut):
    unchanged_count = serializers.IntegerField(help_text="Rows already recorded: importing again changes nothing.")
    rows = EventImportRowOut(many=True)


# --- Input -------------------------------------------------------------------------------------------

class RoleEventIn(serializers.Serializer):
    kind = serializers.ChoiceField(RoleEvent.Kind.choices)
    effective_on = serializers.DateField(help_text="In the org's time zone; at most tomorrow.")
    title_before = serializers.CharField(max_length=event_rules.TITLE_MAX, allow_blank=True, required=False, default="")
    title_after = serializers.CharField(max_length=event_rules.TITLE_MAX, allow_blank=True, required=False, default="")
    team_before = serializers.CharField(max_length=event_rules.TEAM_MAX, allow_blank=True, required=False, default="")
    team_after = serializers.CharField(max_length=event_rules.TEAM_MAX, allow_blank=True, required=False, default="")


class RoleEventCreateIn(RoleEventIn):
    member = serializers.UUIDField(help_text="A person of this organisation.")

    def validate_member(self, value):
        return _in_org(Membership, self.context["org"], value, "No such person in this organisation.")


class RoleEventFilterIn(serializers.Serializer):
    kind = serializers.ChoiceField(RoleEvent.Kind.choices, required=False)
    team = serializers.CharField(max_length=event_rules.TEAM_MAX, required=False,
                                 help_text="Team before or after the event.")
    member = serializers.UUIDField(required=False)
    date_from = serializers.DateField(required=False, help_text="Effective on or after.")
    date_to = serializers.DateField(required=False, help_text="Effective on or before.")


class RampDefinitionIn(serializers.Serializer):
    name = serializers.CharField(max_length=event_rules.MILESTONE_NAME_MAX)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    is_active = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="The milestone ramp time is measured to; making one active deactivates the others. "
                  "Default on create: active if no other is.")


class RampMilestoneIn(serializers.Serializer):
    member = serializers.UUIDField(help_text="A person of this organisation.")
    definition = serializers.UUIDField(help_text="A ramp milestone definition of this organisation.")
    reached_on = serializers.DateField(help_text="On or after the person's latest role start; at most tomorrow.")

    def validate_member(self, value):
        return _in_org(Membership, self.context["org"], value, "No such person in this organisation.")

    def validate_definition(self, value):
        return _in_org(RampMilestoneDefinition, self.context["org"], value,
                       "No such ramp milestone in this organisation.")


class RampMilestoneFilterIn(serializers.Serializer):
    definition = serializers.UUIDField(required=False)
    member = serializers.UUIDField(required=False)


# --- Viewsets ----------------------------------------------------------------------------------------

class _ImportMixin:
    import_kind: str = ""

    def _import(self, request):
        apply = _valid(ImportQueryIn, request.query_params.dict())["apply"]
        if isinstance(request.data, (bytes, str)):
            filename, content = "api.csv", request.data
        else:
            upload = _valid(ImportIn, request.data)["file"]
            filename, content = upload.name, upload.read()
        event_import = imports.event_import_upload(actor=self.membership, kind=self.import_kind, filename=filename,
                                                   content=content)
        preview = imports.event_import_preview(org=self.org, event_import=event_import)
        result = {"applied": False, **{key: preview[key] for key in (
            "ok", "row_count", "create_count", "update_count", "unchanged_count", "rows", "errors")}}
        if apply:
            try:
                applied = imports.event_import_apply(actor=self.membership, event_import=event_import)
            except DomainError as error:
                if error.status_code != 400:
                    raise
                count = len(preview["errors"])
                return Response({"detail": f"The file has {count} error{'s' * (count != 1)}; nothing was applied.",
                                 "errors": error.errors, "row_errors": preview["errors"]},
                                status=status.HTTP_400_BAD_REQUEST)
            result.update(applied=True, create_count=applied["created"], update_count=applied["updated"],
                          unchanged_count=applied["unchanged"])
        return Response(EventImportResultOut(result).data)


IMPORT_SCHEMA = dict(
    request={"multipart/form-data": ImportIn, "text/csv": OpenApiTypes.STR},
    responses={200: EventImportResultOut, 400: ImportRefusedOut, **_errors(403, 409)},
)


class RoleEventViewSet(_ImportMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Role events: hires, transfers (new team or title) and promotions."""

    queryset = RoleEvent.unscoped.none()
    serializer_class = RoleEventOut
    action_roles = {name: KEEPERS for name in ALL_ACTIONS}
    import_kind = EventImport.Kind.ROLE_EVENTS

    def org_queryset(self, org, membership):
        if self.action == "list":
            filters = dict(_valid(RoleEventFilterIn, self.request.query_params.dict()))
            member_id = filters.pop("member", None)
            events = sel.role_events_list(org=org, **filters)
            return events.filter(member_id=member_id) if member_id else events
        return sel.role_events_list(org=org)

    @extend_schema(parameters=[RoleEventFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RoleEventCreateIn, responses={201: RoleEventOut, **_errors(400, 403, 409)})
    def create(self, request, org_slug):
        data = dict(_valid(RoleEventCreateIn, request.data, context=self.get_serializer_context()))
        event = svc.role_event_record(actor=self.membership, source="api", **data)
        return Response(RoleEventOut(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoleEventIn, responses={200: RoleEventOut, **_errors(400, 403, 404, 409)})
    def partial_update(self, request, org_slug, id):
        event = self.get_object()
        changes = dict(_valid(RoleEventIn, request.data, partial=True))
        svc.role_event_update(actor=self.membership, event=event, **changes)
        return Response(RoleEventOut(self.get_object()).data)

    @extend_schema(responses={204: None, **_errors(403, 404)})
    def destroy(self, request, org_slug, id):
        svc.role_event_delete(actor=self.membership, event=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(**IMPORT_SCHEMA, description="Preview a role-events CSV (default), or apply it with `?apply=1`: "
                                                "all rows or none. Columns: email, kind, effective_on, title_before, "
                                                "title_after, team_before, team_after.")
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[parsers.MultiPartParser, CSVParser])
    def import_csv(self, request, org_slug):
        return self._import(request)


class RampDefinitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """What "ramped" means in this org; one definition is the active one."""

    queryset = RampMilestoneDefinition.unscoped.none()
    serializer_class = RampDefinitionOut
    action_roles = {name: KEEPERS for name in ALL_ACTIONS}

    def org_queryset(self, org, membership):
        return sel.ramp_definitions(org)

    @extend_schema(request=RampDefinitionIn, responses={201: RampDefinitionOut, **_errors(400, 403, 409)})
    def create(self, request, org_slug):
        data = _valid(RampDefinitionIn, request.data)
        definition = svc.ramp_definition_create(actor=self.membership, **data)
        return Response(RampDefinitionOut(definition).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RampDefinitionIn, responses={200: RampDefinitionOut, **_errors(400, 403, 404, 409)})
    def partial_update(self, request, org_slug, id):
        definition = self.get_object()
        changes = {k: v for k, v in _valid(RampDefinitionIn, request.data, partial=True).items() if v is not None}
        svc.ramp_definition_update(actor=self.membership, definition=definition, **changes)
        return Response(RampDefinitionOut(self.get_object()).data)

    @extend_schema(responses={204: None, **_errors(403, 404)},
                   description="Deletes the definition and every milestone recorded against it.")
    def destroy(self, request, org_slug, id):
        svc.ramp_definition_delete(actor=self.membership, definition=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RampMilestoneViewSet(_ImportMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """The day each person reached a ramp milestone."""

    queryset = RampMilestone.unscoped.none()
    serializer_class = RampMilestoneOut
    action_roles = {name: KEEPERS for name in ALL_ACTIONS}
    import_kind = EventImport.Kind.MILESTONES

    def org_queryset(self, org, membership):
        milestones = sel.ramp_milestones_list(org=org)
        if self.action == "list":
            filters = _valid(RampMilestoneFilterIn, self.request.query_params.dict())
            if "definition" in filters:
                milestones = milestones.filter(definition_id=filters["definition"])
            if "member" in filters:
                milestones = milestones.filter(member_id=filters["member"])
        return milestones

    @extend_schema(parameters=[RampMilestoneFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RampMilestoneIn, responses={201: RampMilestoneOut, **_errors(400, 403, 409)})
    def create(self, request, org_slug):
        data = _valid(RampMilestoneIn, request.data, context=self.get_serializer_context())
        milestone = svc.ramp_milestone_record(actor=self.membership, source="api", **data)
        return Response(RampMilestoneOut(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **_errors(403, 404)})
    def destroy(self, request, org_slug, id):
        svc.ramp_milestone_delete(actor=self.membership, milestone=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(**IMPORT_SCHEMA, description="Preview a ramp-milestones CSV (default), or apply it with "
                                                "`?apply=1`: all rows or none. Columns: email, milestone, reached_on.")
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[parsers.MultiPartParser, CSVParser])
    def import_csv(self, request, org_slug):
        return self._import(request)
