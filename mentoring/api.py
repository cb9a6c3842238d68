"""The REST API of the core domain: serializers (input and output apart) and
viewsets. Thin: every write goes through ``services``, every read that is more
than a one-liner through ``selectors``; the org comes from the URL
(``OrgScopedViewSet``), so ids from the URL or the body are looked up inside it."""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .api_viewsets import EVERY_MEMBER, OrgScopedViewSet
from .errors import DomainError
from .models import ROLES, ApiToken, Invitation, Membership, Organization

ROLE_CHOICES = [(role, role) for role in ROLES]


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERRORS = {code: OpenApiResponse(ErrorOut) for code in (400, 403, 404, 409)}


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


# --- Serializers: output --------------------------------------------------------------

class OrgRefOut(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class MembershipRefOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES))
    organization = OrgRefOut()


class MeOut(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    memberships = MembershipRefOut(many=True)


class OrgOut(serializers.Serializer):
    """One of the caller's organisations (read from their membership)."""

    slug = serializers.SlugField(source="organization.slug")
    name = serializers.CharField(source="organization.name")
    time_zone = serializers.CharField(source="organization.time_zone")
    membership_id = serializers.UUIDField(source="id")
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES))


class TokenOut(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class TokenCreatedOut(TokenOut):
    token = serializers.CharField(help_text="The raw token. Shown once: only its hash is stored.")

    class Meta(TokenOut.Meta):
        fields = TokenOut.Meta.fields + ["token"]
        read_only_fields = fields


class MemberOut(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES))
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "email", "display_name", "roles", "is_active", "deactivated_at", "has_account",
                  "created_at"]
        read_only_fields = fields

    def get_has_account(self, member) -> bool:
        return member.user_id is not None


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


class InvitationOut(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES))
    status = serializers.ChoiceField(["pending", "accepted", "revoked", "expired"])
    invited_by = serializers.EmailField(source="invited_by.email", allow_null=True, default=None)

    class Meta:
        model = Invitation
        fields = ["id", "email", "roles", "status", "invited_by", "created_at", "expires_at", "accepted_at",
                  "revoked_at"]
        read_only_fields = fields


class PolicyOut(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", *services.POLICY_FIELDS]
        read_only_fields = fields


class ImportRowOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="Line number in the file (the header is line 1).")
    email = serializers.CharField(allow_null=True)
    display_name = serializers.CharField(allow_null=True)
    action = serializers.ChoiceField(["create", "update"])
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ImportErrorOut(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Empty for a problem with the whole file.")
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportResultOut(serializers.Serializer):
    applied = serializers.BooleanField()
    ok = serializers.BooleanField(help_text="True when every row is valid (apply would succeed).")
    row_count = serializers.IntegerField()
    create_count = serializers.IntegerField()
    update_count = serializers.IntegerField()
    rows = ImportRowOut(many=True)
    errors = ImportErrorOut(many=True)


class ImportRefusedOut(ErrorOut):
    row_errors = ImportErrorOut(many=True, required=False,
                                help_text="When the file was read: each row and field with a problem.")


# --- Serializers: input ---------------------------------------------------------------------

class RolesIn(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES), allow_empty=False)


class TokenIn(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False, default="API token")


class InvitationIn(serializers.Serializer):
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.ChoiceField(ROLE_CHOICES), allow_empty=False,
                                  default=["mentee"])


class MemberFilterIn(serializers.Serializer):
    role = serializers.ChoiceField(ROLE_CHOICES, required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class PeopleFilterIn(serializers.Serializer):
    q = serializers.CharField(required=False, default="", max_length=100)
    team = serializers.CharField(required=False, default="", max_length=80)
    role = serializers.ChoiceField(ROLE_CHOICES, required=False, default="")


class ImportIn(serializers.Serializer):
    file = serializers.FileField(help_text="A people CSV (UTF-8). Or send the CSV itself as text/csv.")


class ImportQueryIn(serializers.Serializer):
    apply = serializers.BooleanField(required=False, default=False,
                                     help_text="1 to apply (all or nothing); otherwise a preview.")


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


class PolicyIn(serializers.ModelSerializer):
    """Policy changes; the model's validators give the field messages, the
    service checks the rules across fields."""

    class Meta:
        model = Organization
        fields = list(services.POLICY_FIELDS)


def _valid(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- The caller and their tokens ------------------------------------------------------------------

class MeView(APIView):
    @extend_schema(responses=MeOut)
    def get(self, request):
        user = request.user
        memberships = selectors.memberships_of_user(user)
        return Response(MeOut({"email": user.email, "first_name": user.first_name,
                               "last_name": user.last_name, "memberships": memberships}).data)


class OrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's organisations (where their membership is active)."""

    queryset = Membership.unscoped.none()
    serializer_class = OrgOut
    lookup_field = "organization__slug"
    lookup_url_kwarg = "org_slug"
    # The caller's own memberships only; a non-member's slug is simply not found.
    action_roles = {"list": EVERY_MEMBER, "retrieve": EVERY_MEMBER}

    def get_queryset(self):
        return Membership.unscoped.filter(user=self.request.user, is_active=True) \
            .select_related("organization").order_by("organization__name", "id")


class TokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Personal API tokens of the caller. Only a token's prefix is ever shown
    again after creation."""

    serializer_class = TokenOut
    queryset = ApiToken.objects.none()
    lookup_field = "id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "id")

    @extend_schema(request=TokenIn, responses={201: TokenCreatedOut, **_errors(400, 403)})
    def create(self, request):
        token, raw = services.token_issue(user=request.user, name=_valid(TokenIn, request.data)["name"])
        token.token = raw
        return Response(TokenCreatedOut(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **_errors(404)})
    def destroy(self, request, id):
        services.token_revoke(user=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Tenant resources: /api/v1/orgs/<org_slug>/… ------------------------------------------------

class OrgResourceViewSet(OrgScopedViewSet):
    """Tenant resources of the core; role checks per action come from
    ``OrgScopedViewSet.action_roles``."""


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Members of the organisation and their roles. Everyone may list;
    program managers change roles and (de)activate."""

    queryset = Membership.unscoped.none()
    serializer_class = MemberOut
    action_roles = {"list": EVERY_MEMBER, "retrieve": EVERY_MEMBER,
                    "partial_update": ("manager",), "deactivate": ("manager",), "reactivate": ("manager",)}

    def org_queryset(self, org, membership):
        members = Membership.objects.for_org(org).order_by("display_name", "id")
        if self.action != "list":
            return members
        filters = _valid(MemberFilterIn, self.request.query_params.dict())
        if filters.get("role"):
            members = members.with_role(filters["role"])
        if filters.get("active") is not None:
            members = members.filter(is_active=filters["active"])
        return members

    @extend_schema(parameters=[MemberFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RolesIn, responses={200: MemberOut, **_errors(400, 403, 404, 409)})
    def partial_update(self, request, org_slug, id):
        member = self.get_object()  # a missing member is a 404 before any 400 about the body
        roles = _valid(RolesIn, request.data)["roles"]
        member = services.membership_set_roles(actor=self.membership, membership=member, roles=roles)
        return Response(MemberOut(member).data)

    @extend_schema(request=None, responses={200: MemberOut, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, org_slug, id):
        member = services.membership_deactivate(actor=self.membership, membership=self.get_object())
        return Response(MemberOut(member).data)

    @extend_schema(request=None, responses={200: MemberOut, **_errors(403, 404)})
    @action(detail=True, methods=["post"])
    def reactivate(self, request, org_slug, id):
        member = services.membership_reactivate(actor=self.membership, membership=self.get_object())
        return Response(MemberOut(member).data)


class CSVRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: text/csv``; errors still come out readable."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return (data if isinstance(data, str) else json.dumps(data)).encode(self.charset)


class CSVParser(parsers.BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


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


class InvitationViewSet(mixins.ListModelMixin, OrgResourceViewSet):
    """Invitations by email into the organisation (program managers)."""

    queryset = Invitation.unscoped.none()
    serializer_class = InvitationOut
    action_roles = {"list": ("manager",), "create": ("manager",), "destroy": ("manager",)}

    def org_queryset(self, org, membership):
        return selectors.invitations_list(org)

    @extend_schema(request=InvitationIn, responses={201: InvitationOut, **_errors(400, 403, 409)})
    def create(self, request, org_slug):
        data = _valid(InvitationIn, request.data)
        invitation = services.invitation_create(actor=self.membership, email=data["email"], roles=data["roles"])
        return Response(InvitationOut(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **_errors(403, 404, 409)}, description="Revoke an open invitation.")
    def destroy(self, request, org_slug, id):
        services.invitation_revoke(actor=self.membership, invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyViewSet(OrgResourceViewSet):
    """The organisation's mentoring policy: one object per org."""

    queryset = Organization.objects.none()
    serializer_class = PolicyOut
    action_roles = {"retrieve": EVERY_MEMBER, "partial_update": ("manager",)}

    def org_queryset(self, org, membership):
        return Organization.objects.filter(pk=org.pk)

    def get_object(self):
        return self.org

    @extend_schema(responses={200: PolicyOut, **_errors(404)})
    def retrieve(self, request, org_slug):
        return Response(PolicyOut(self.org).data)

    @extend_schema(request=PolicyIn, responses={200: PolicyOut, **_errors(400, 403, 404)})
    def partial_update(self, request, org_slug):
        changes = _valid(PolicyIn, request.data, instance=self.org, partial=True)
        org = services.org_policy_update(actor=self.membership, org=self.org, **changes)
        return Response(PolicyOut(org).data)

