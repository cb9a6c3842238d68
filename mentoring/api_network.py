"""REST API of the network model: the mentor directory and listings, session
requests, and the time-bank (balances, entries, adjustments). Thin: writes go
through ``services_directory`` / ``services_timebank``; ids from the URL or the
body are looked up inside the org of the URL."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from sessions_app.selectors.availability import next_free_slots

from . import selectors_directory as sel
from . import services_directory as svc
from .api import OrgResourceViewSet, _errors, _valid
from .models import MentorListing, Membership, Program, SessionRequest, TimeEntry
from .services_timebank import timebank_adjust

MINUTES = [(m, str(m)) for m in (15, 20, 25, 30)]


def _in_org(model, org, value, field: str, message: str):
    """An id from the body is a suspect: look it up inside the org only."""
    found = model.objects.for_org(org).filter(pk=value).first()
    if found is None:
        raise ValidationError({field: [message]})
    return found


# --- Output ---------------------------------------------------------------------------------

class NetworkPersonOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()


class DirectoryMentorOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()
    title = serializers.CharField()
    team = serializers.CharField()
    time_zone = serializers.CharField()
    skills = serializers.SerializerMethodField()
    work_areas = serializers.SerializerMethodField(help_text="What the mentor works on now (work items).")

    def get_skills(self, member) -> list[str]:
        return [skill.name for skill in member.skills.all()]  # prefetched

    def get_work_areas(self, member) -> list[str]:
        return [item.name for item in member.work_items.all()]  # prefetched


class NextSlotOut(serializers.Serializer):
    start = serializers.DateTimeField(source="start_utc")
    end = serializers.DateTimeField(source="end_utc")


class ListingOut(serializers.ModelSerializer):
    program = serializers.UUIDField(source="program_id")
    mentor = DirectoryMentorOut(source="membership")
    topics = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    next_free_slot = serializers.SerializerMethodField(
        help_text="The earliest time the mentor and the caller are both free (the org's longest session), "
                  "within 14 days; null when none or when unavailable.")

    class Meta:
        model = MentorListing
        fields = ["id", "program", "mentor", "topics", "about", "weekly_capacity", "is_available",
                  "unavailable_message", "next_free_slot", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(NextSlotOut(allow_null=True))
    def get_next_free_slot(self, listing):
        slot = getattr(listing, "next_slot", None)
        return NextSlotOut(slot).data if slot is not None and listing.is_available else None


class SessionRequestOut(serializers.ModelSerializer):
    program = serializers.UUIDField(source="program_id")
    mentor = NetworkPersonOut()
    mentee = NetworkPersonOut()
    status = serializers.CharField(help_text="open, accepted, declined or withdrawn.")
    session = serializers.UUIDField(source="session_id", allow_null=True,
                                    help_text="The booked session, once accepted.")

    class Meta:
        model = SessionRequest
        fields = ["id", "program", "mentor", "mentee", "start", "minutes", "note", "status", "response", "session",
                  "created_at", "answered_at"]
        read_only_fields = fields


class TimeEntryOut(serializers.ModelSerializer):
    member = serializers.UUIDField(source="membership_id")
    kind = serializers.CharField(help_text="grant, spend, earn, refund or adjust.")
    session = serializers.UUIDField(source="session_id", allow_null=True)
    actor = serializers.UUIDField(source="actor_id", allow_null=True, help_text="The manager who adjusted.")

    class Meta:
        model = TimeEntry
        fields = ["id", "member", "kind", "minutes", "balance_after", "session", "reason", "actor", "created_at"]
        read_only_fields = fields


class TimeAccountOut(serializers.Serializer):
    member = NetworkPersonOut(source="*")
    balance_minutes = serializers.SerializerMethodField()
    opened = serializers.SerializerMethodField(help_text="False until first used (the grant is then credited).")

    def _account(self, member):
        account = getattr(member, "time_account", None)  # select_related: no query
        return account if account is not None and account.granted_at is not None else None

    def get_balance_minutes(self, member) -> int:
        account = self._account(member)
        return account.balance_minutes if account else member.organization.timebank_starting_grant

    def get_opened(self, member) -> bool:
        return self._account(member) is not None


# --- Input ---------------------------------------------------------------------------------

class DirectoryQueryIn(serializers.Serializer):
    program = serializers.UUIDField(required=False, help_text="A network program; all of them if left out.")
    q = serializers.CharField(required=False, allow_blank=True, max_length=100,
                              help_text="Matches a name, title, team, topic, skill or work area.")


class ListingIn(serializers.Serializer):
    program = serializers.UUIDField(help_text="A network program of this org.")
    topics = serializers.ListField(child=serializers.CharField(max_length=80), max_length=12, default=list)
    about = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    weekly_capacity = serializers.IntegerField(min_value=1, max_value=40)
    is_available = serializers.BooleanField(default=True)
    unavailable_message = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RequestIn(serializers.Serializer):
    listing = serializers.UUIDField(help_text="The mentor's listing.")
    start = serializers.DateTimeField(help_text="One of the times slot suggestions offer for this pair.")
    minutes = serializers.ChoiceField(MINUTES)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RequestFilterIn(serializers.Serializer):
    side = serializers.ChoiceField([("received", "received"), ("sent", "sent")], required=False,
                                   help_text="received: requests to you as mentor; sent: yours as mentee.")


class DeclineIn(serializers.Serializer):
    message = serializers.CharField(max_length=300)


class AdjustIn(serializers.Serializer):
    minutes = serializers.IntegerField(help_text="Signed; not 0.")
    reason = serializers.CharField(max_length=200)


class EntryFilterIn(serializers.Serializer):
    member = serializers.UUIDField(required=False, help_text="Managers: another member's entries.")


# --- Viewsets -------------------------------------------------------------------------------------------

class ListingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """The mentor directory of network programs; mentors upsert their own listing."""

    queryset = MentorListing.unscoped.none()
    serializer_class = ListingOut
    action_roles = {"create": ("mentor",)}

    def org_queryset(self, org, membership):
        if self.action == "list":
            query = _valid(DirectoryQueryIn, self.request.query_params.dict())
            program = None
            if query.get("program"):
                program = Program.objects.for_org(org).filter(pk=query["program"], kind="network").first()
                if program is None:
                    raise ValidationError({"program": ["No such network program in this organisation."]})
            return sel.directory_listings(org, program, query.get("q", ""))
        return MentorListing.objects.for_org(org).select_related("membership").prefetch_related(
            "topics", "membership__skills", "membership__work_items")

    def _with_next_slots(self, listings):
        listings = list(listings)
        for listing in listings:
            listing.membership.organization = self.org
        free = next_free_slots(org=self.org, viewer=self.membership, mentors=[l.membership for l in listings],
                               minutes=self.org.session_max_minutes) if listings else {}
        for listing in listings:
            listing.next_slot = free.get(listing.membership_id)
        return listings

    @extend_schema(parameters=[DirectoryQueryIn], responses={200: ListingOut(many=True), **_errors(400)})
    def list(self, request, org_slug):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ListingOut(self._with_next_slots(page), many=True).data)

    @extend_schema(responses={200: ListingOut, **_errors(404)})
    def retrieve(self, request, org_slug, id):
        return Response(ListingOut(self._with_next_slots([self.get_object()])[0]).data)

    @extend_schema(request=ListingIn, responses={200: ListingOut, **_errors(400, 403)},
                   description="Create or update the caller's own listing in a network program. Going "
                               "unavailable declines every open request with the message.")
    def create(self, request, org_slug):
        data = dict(_valid(ListingIn, request.data))
        program = _in_org(Program, self.org, data.pop("program"), "program", "No such program in this organisation.")
        listing = svc.listing_save(actor=self.membership, program=program, **data)
        return Response(ListingOut(self._with_next_slots([listing])[0]).data)


class SessionRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Micro-session requests: the caller's, sent (as mentee) and received (as mentor)."""

    queryset = SessionRequest.unscoped.none()
    serializer_class = SessionRequestOut
    action_roles = {"create": ("mentee",)}

    def org_queryset(self, org, membership):
        side = _valid(RequestFilterIn, self.request.query_params.dict()).get("side") \
            if self.action == "list" else None
        if side == "received":
            return sel.requests_received(membership)
        if side == "sent":
            return sel.requests_sent(membership)
        return sel.requests_of(membership)

    @extend_schema(parameters=[RequestFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RequestIn, responses={201: SessionRequestOut, **_errors(400, 403, 409)})
    def create(self, request, org_slug):
        data = dict(_valid(RequestIn, request.data))
        listing = _in_org(MentorListing, self.org, data.pop("listing"), "listing",
                          "No such listing in this organisation.")
        found = svc.session_request_create(actor=self.membership, listing=listing, start=data["start"],
                                           minutes=int(data["minutes"]), note=data["note"])
        return Response(SessionRequestOut(found).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SessionRequestOut, **_errors(400, 403, 404, 409)},
                   description="The mentor books the requested time; the mentee pays it from the time-bank.")
    @action(detail=True, methods=["post"])
    def accept(self, request, org_slug, id):
        found = svc.session_request_accept(actor=self.membership, request=self.get_object())
        return Response(SessionRequestOut(found).data)

    @extend_schema(request=DeclineIn, responses={200: SessionRequestOut, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def decline(self, request, org_slug, id):
        found = self.get_object()
        data = _valid(DeclineIn, request.data)
        return Response(SessionRequestOut(svc.session_request_decline(
            actor=self.membership, request=found, message=data["message"])).data)

    @extend_schema(request=None, responses={200: SessionRequestOut, **_errors(403, 404, 409)})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, org_slug, id):
        found = svc.session_request_withdraw(actor=self.membership, request=self.get_object())
        return Response(SessionRequestOut(found).data)


class TimeAccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Time-bank balances by member id: your own; program managers see and adjust everyone's."""

    queryset = Membership.unscoped.none()
    serializer_class = TimeAccountOut
    action_roles = {"adjust": ("manager",)}

    def org_queryset(self, org, membership):
        members = sel.member_balances(org)
        return members if membership.is_manager else members.filter(pk=membership.pk)

    def get_object(self):
        member = super().get_object()
        member.organization = self.org
        return member

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for member in page or []:
            member.organization = self.org
        return page

    @extend_schema(request=AdjustIn, responses={200: TimeEntryOut, **_errors(400, 403, 404)},
                   description="Add (or take away) minutes with a reason; recorded in the audit log.")
    @action(detail=True, methods=["post"])
    def adjust(self, request, org_slug, id):
        member = self.get_object()
        data = _valid(AdjustIn, request.data)
        entry = timebank_adjust(actor=self.membership, member=member, minutes=data["minutes"], reason=data["reason"])
        return Response(TimeEntryOut(entry).data)


class TimeEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgResourceViewSet):
    """Time-bank entries, newest first: your own; managers may ask for a member's (``?member=``)."""

    queryset = TimeEntry.unscoped.none()
    serializer_class = TimeEntryOut

    def org_queryset(self, org, membership):
        entries = TimeEntry.objects.for_org(org).order_by("-created_at", "-id")
        if membership.is_manager:
            if self.action == "list":
                member = _valid(EntryFilterIn, self.request.query_params.dict()).get("member")
                return entries.filter(membership_id=member) if member else entries.filter(membership=membership)
            return entries
        return entries.filter(membership=membership)

    @extend_schema(parameters=[EntryFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
