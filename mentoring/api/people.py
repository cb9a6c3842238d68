"""People profiles: search, read, edit, CSV export and import."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from .. import selectors, services
from ..api_viewsets import EVERY_MEMBER
from ..errors import DomainError
from ..models import Membership
from .common import ROLE_CHOICES, OrgResourceViewSet, _errors, _valid
from .imports import CSVParser, CSVRenderer, ImportIn, ImportQueryIn, ImportRefusedOut, ImportResultOut

class WorkItemOut(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField()


class ManagerRefOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()


class PersonOut(serializers.ModelSerializer):
    manager = ManagerRefOut(allow_null=True)
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES))
    skills = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    work_items = WorkItemOut(many=True)
    # External terms are for program managers only: left out for everyone else.
    hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True, required=False,
                                           help_text="Program managers only.")
    currency = serializers.CharField(required=False, help_text="Program managers only.")
    MANAGER_ONLY = ("hourly_rate", "currency")

    class Meta:
        model = Membership
        fields = ["id", "email", "display_name", "title", "team", "manager", "roles", "time_zone",
                  "working_hours_start", "working_hours_end", "hire_date", "role_start_date", "skills",
                  "work_items", "is_external", "is_active", "hourly_rate", "currency"]
        read_only_fields = fields

    def to_representation(self, person):
        data = super().to_representation(person)
        viewer = self.context.get("membership")
        if viewer is None or not viewer.is_manager:
            for name in self.MANAGER_ONLY:
                data.pop(name, None)
        return data


class PeopleFilterIn(serializers.Serializer):
    q = serializers.CharField(required=False, default="", max_length=100)
    team = serializers.CharField(required=False, default="", max_length=80)
    role = serializers.ChoiceField(ROLE_CHOICES, required=False, default="")


class WorkItemIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    url = serializers.URLField(required=False, allow_blank=True, default="")


class PersonIn(serializers.Serializer):
    display_name = serializers.CharField(max_length=120)
    title = serializers.CharField(max_length=120, allow_blank=True)
    team = serializers.CharField(max_length=80, allow_blank=True)
    manager = serializers.UUIDField(allow_null=True, help_text="A person of this organisation, or null.")
    time_zone = serializers.CharField(max_length=64)
    working_hours_start = serializers.TimeField()
    working_hours_end = serializers.TimeField()
    hire_date = serializers.DateField(allow_null=True)
    role_start_date = serializers.DateField(allow_null=True)
    skills = serializers.ListField(child=serializers.CharField(max_length=80), max_length=100)
    work_items = serializers.ListField(child=WorkItemIn(), max_length=100)
    is_external = serializers.BooleanField()
    hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, allow_null=True)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", allow_blank=True,
                                      error_messages={"invalid": "Use a 3-letter currency code (e.g. EUR)."})

    def validate_manager(self, value):
        # An id from the body is a suspect: look it up inside the org only.
        if value is None:
            return None
        manager = Membership.objects.for_org(self.context["org"]).filter(pk=value).first()
        if manager is None:
            raise ValidationError("No such person in this organisation.")
        return manager

    def validate_currency(self, value):
        return value.upper()


class PeopleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """People profiles. Members search and read them; a program manager edits
    anyone, a person edits themself; managers import and export CSV."""

    queryset = Membership.unscoped.none()
    serializer_class = PersonOut
    # Changing a profile: a manager, or the person themself (checked in partial_update).
    action_roles = {"list": EVERY_MEMBER, "retrieve": EVERY_MEMBER, "partial_update": EVERY_MEMBER,
                    "export": ("manager",), "import_csv": ("manager",)}

    def org_queryset(self, org, membership):
        if self.action == "list":
            people = selectors.people_list(org=org, **_valid(PeopleFilterIn, self.request.query_params.dict()))
        else:  # an inactive person can still be read and edited by id
            people = selectors.people_list(org=org, include_inactive=True)
        return people.prefetch_related("work_items")

    @extend_schema(parameters=[PeopleFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PersonIn, responses={200: PersonOut, **_errors(400, 403, 404)})
    def partial_update(self, request, org_slug, id):
        person = self.get_object()
        if person.pk != self.membership.pk:  # before validating, so a mentee learns nothing from errors
            services.require_role(self.membership, "manager")
        changes = dict(_valid(PersonIn, request.data, partial=True, context=self.get_serializer_context()))
        if "work_items" in changes:
            changes["work_items"] = [(item["name"], item["url"]) for item in changes["work_items"]]
        services.person_update(actor=self.membership, membership=person, **changes)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR, **_errors(403)})
    @action(detail=False, methods=["get"], renderer_classes=[renderers.JSONRenderer, CSVRenderer])
    def export(self, request, org_slug):
        response = HttpResponse(services.people_export(actor=self.membership),  # audited
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.org.slug}-people.csv"'
        return response

    @extend_schema(
        parameters=[ImportQueryIn],
        request={"multipart/form-data": ImportIn, "text/csv": OpenApiTypes.STR},
        responses={200: ImportResultOut, 400: ImportRefusedOut, **_errors(403, 409)},
        description="Preview a people CSV (default), or apply it with `?apply=1`: all rows or none.")
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[parsers.MultiPartParser, CSVParser])
    def import_csv(self, request, org_slug):
        apply = _valid(ImportQueryIn, request.query_params.dict())["apply"]
        if isinstance(request.data, (bytes, str)):
            filename, content = "api.csv", request.data
        else:
            upload = _valid(ImportIn, request.data)["file"]
            filename, content = upload.name, upload.read()
        people_import = services.people_import_upload(actor=self.membership, filename=filename, content=content)
        preview = services.people_import_preview(org=self.org, people_import=people_import)
        result = {"applied": False, **{key: preview[key] for key in
                                       ("ok", "row_count", "create_count", "update_count", "rows", "errors")}}
        if apply:
            try:
                applied = services.people_import_apply(actor=self.membership, people_import=people_import)
            except DomainError as error:
                if error.status_code != 400:
                    raise
                return self._refused(error, preview["errors"])
            result.update(applied=True, create_count=applied["created"], update_count=applied["updated"])
        return Response(ImportResultOut(result).data)

    @staticmethod
    def _refused(error, row_errors):
        """The service refused the whole file; add each row and field for clients."""
        count = len(row_errors)
        detail = (f"The file has {count} error{'s' * (count != 1)}; nothing was applied." if count
                  else f"{error.first_message} Nothing was applied.")
        return Response({"detail": detail, "errors": error.errors, "row_errors": row_errors},
                        status=status.HTTP_400_BAD_REQUEST)
