"""API of booking and availability: slot suggestions, booking, rescheduling,
cancelling, the caller's own working windows and focus blocks, and their
external calendars. Thin: ids from the query or body are looked up inside the
org (another org's id is simply unknown), every write goes through a service."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from mentoring.api import ERRORS, ErrorOut
from mentoring.api_viewsets import EVERY_MEMBER, OrgScopedViewSet
from mentoring.errors import DomainError, NotPermitted
from mentoring.models import Membership, Program

from ..models import WEEKDAYS, ExternalCalendar, FocusBlock, MentoringSession, WorkingWindow
from ..selectors.availability import slot_suggestions
from ..services import availability as availability_services
from ..services import calendars
from ..services.agendas import agenda_templates
from ..services.booking import session_book, session_cancel, session_reschedule
from ..slots import ALLOWED_MINUTES

# Who books (as on the HTML booking page): an HR viewer only sees aggregates.
BOOKING_ROLES = ("manager", "mentor", "mentee")


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


def _valid(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _member(org, role: str, member_id) -> Membership:
    """A member id from the query or body, looked up inside the org only."""
    person = Membership.objects.for_org(org).filter(pk=member_id).first()
    if person is None:
        raise ValidationError({role: [f"No such {role} in this organisation."]})
    return person


def _pair(org, viewer: Membership, mentor_id, mentee_id) -> tuple[Membership, Membership]:
    """``_member`` for both of a pair in one query; the caller, when one of them, is not loaded again."""
    wanted = {mentor_id, mentee_id} - {viewer.pk}
    found = {person.pk: person for person in Membership.objects.for_org(org).filter(pk__in=wanted)} if wanted else {}
    found[viewer.pk] = viewer
    for role, member_id in (("mentor", mentor_id), ("mentee", mentee_id)):
        if member_id not in found:
            raise ValidationError({role: [f"No such {role} in this organisation."]})
    return found[mentor_id], found[mentee_id]


def _require_pair_viewer(viewer: Membership, mentor: Membership, mentee: Membership) -> None:
    """Availability of a pair is for the two of them and program managers."""
    if not (viewer.is_manager or viewer.pk in (mentor.pk, mentee.pk)):
        raise NotPermitted("Only the mentor, the mentee or a program manager can see this pair's times.")


# --- Serializers --------------------------------------------------------------------------------

class BookingPersonOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()
    time_zone = serializers.CharField()


class SlotOut(serializers.Serializer):
    start = serializers.DateTimeField(source="start_utc")
    end = serializers.DateTimeField(source="end_utc")
    score = serializers.IntegerField(help_text="0 keeps every free stretch whole; minus the minutes it fragments.")
    reason = serializers.CharField()


class SlotsOut(serializers.Serializer):
    mentor = BookingPersonOut()
    mentee = BookingPersonOut()
    minutes = serializers.IntegerField()
    time_zone = serializers.CharField(help_text="The caller's zone, in which start and end are written.")
    slots = SlotOut(many=True)


class SlotsQueryIn(serializers.Serializer):
    mentor = serializers.UUIDField()
    mentee = serializers.UUIDField()
    minutes = serializers.ChoiceField([(m, str(m)) for m in ALLOWED_MINUTES], default=30)
    days = serializers.IntegerField(min_value=1, max_value=28, default=14)


class BookedSessionOut(serializers.ModelSerializer):
    mentor = BookingPersonOut()
    mentee = BookingPersonOut()
    minutes = serializers.IntegerField()
    agenda = serializers.UUIDField(source="agenda_id", allow_null=True)
    program = serializers.UUIDField(source="program_id", allow_null=True,
                                    help_text="The program it was booked in (network: paid from the time-bank).")
    booked_by = serializers.UUIDField(source="booked_by_id", allow_null=True)

    class Meta:
        model = MentoringSession
        fields = ["id", "mentor", "mentee", "start", "end", "minutes", "status", "sequence", "agenda", "program",
                  "booked_by",
                  "cancelled_at", "cancel_reason"]
        read_only_fields = fields


class BookIn(serializers.Serializer):
    mentor = serializers.UUIDField()
    mentee = serializers.UUIDField()
    start = serializers.DateTimeField(help_text="With a time zone or offset; on a multiple of 5 minutes.")
    minutes = serializers.ChoiceField([(m, str(m)) for m in ALLOWED_MINUTES])
    agenda = serializers.UUIDField(required=False, allow_null=True, help_text="An agenda template of this org.")
    program = serializers.UUIDField(
        required=False, allow_null=True,
        help_text="A program of this org. In a network program the mentee pays the minutes from the time-bank; "
                  "left out, a pair of one published cohort books in that cohort's program.")


class RescheduleIn(serializers.Serializer):
    start = serializers.DateTimeField()
    minutes = serializers.ChoiceField([(m, str(m)) for m in ALLOWED_MINUTES], required=False,
                                      help_text="Defaults to the session's current length.")


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class WindowIO(serializers.Serializer):
    weekday = serializers.ChoiceField(WEEKDAYS, help_text="0 = Monday … 6 = Sunday.")
    start = serializers.TimeField(help_text="Wall-clock time in the member's zone.")
    end = serializers.TimeField()


class FocusBlockIO(WindowIO):
    id = serializers.UUIDField(read_only=True)
    label = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class AvailabilityOut(serializers.Serializer):
    time_zone = serializers.CharField()
    uses_default_hours = serializers.BooleanField(
        help_text="True while no working windows are set: Monday–Friday within the profile's working hours.")
    default_working_hours = WindowIO(many=True)
    working_windows = WindowIO(many=True)
    focus_blocks = FocusBlockIO(many=True)


class AvailabilityIn(serializers.Serializer):
    working_windows = WindowIO(many=True, help_text="Replaces all; an empty list means the profile's default.")
    focus_blocks = FocusBlockIO(many=True, help_text="Replaces all.")


class CalendarOut(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()

    class Meta:
        model = ExternalCalendar
        fields = ["id", "name", "kind", "url", "created_at", "last_synced_at", "busy_count", "last_error"]
        read_only_fields = fields

    def get_kind(self, calendar) -> str:
        return "url" if calendar.url else "upload"


class CalendarUploadIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    file = serializers.FileField(help_text="An iCalendar (.ics) file.")


class CalendarSubscribeIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    url = serializers.CharField(max_length=1000, help_text="An http(s) or webcal address of an .ics calendar.")


# --- Views ----------------------------------------------------------------------------------------

class SlotsViewSet(OrgScopedViewSet):
    """Ranked slot suggestions for a mentor–mentee pair over the next days."""

    queryset = MentoringSession.unscoped.none()
    pagination_class = None
    action_roles = {"suggest": BOOKING_ROLES}

    def org_queryset(self, org, membership):
        return MentoringSession.objects.for_org(org).none()

    @extend_schema(parameters=[SlotsQueryIn], responses={200: SlotsOut, **_errors(400, 403, 404)})
    def suggest(self, request, org_slug):
        query = _valid(SlotsQueryIn, request.query_params.dict())
        mentor, mentee = _pair(self.org, self.membership, query["mentor"], query["mentee"])
        _require_pair_viewer(self.membership, mentor, mentee)
        found = slot_suggestions(org=self.org, mentor=mentor, mentee=mentee, minutes=int(query["minutes"]),
                                 days=query["days"], viewer=self.membership)
        return Response(SlotsOut({"mentor": mentor, "mentee": mentee, "minutes": int(query["minutes"]),
                                  "time_zone": self.membership.time_zone, "slots": found}).data)


class BookingSessionViewSet(OrgScopedViewSet):
    """Book, move and cancel sessions (listing them is ``sessions/``)."""

    queryset = MentoringSession.unscoped.none()
    serializer_class = BookedSessionOut
    # Moving or cancelling: the two participants and managers (get_object); others get 404.
    action_roles = {"book": BOOKING_ROLES, "reschedule": EVERY_MEMBER, "cancel": EVERY_MEMBER}

    def org_queryset(self, org, membership):
        return MentoringSession.objects.for_org(org).select_related("mentor", "mentee")

    def get_object(self):
        """Participants and program managers only; to anyone else it does not exist."""
        session = super().get_object()
        if not (self.membership.is_manager or session.is_participant(self.membership)):
            raise Http404("No mentoring session here.")
        return session

    @extend_schema(request=BookIn, responses={201: BookedSessionOut, **_errors(400, 403, 409)})
    @action(detail=False, methods=["post"])
    def book(self, request, org_slug):
        data = _valid(BookIn, request.data)
        agenda = None
        if data.get("agenda"):
            agenda = agenda_templates(self.org).filter(pk=data["agenda"]).first()
            if agenda is None:
                raise ValidationError({"agenda": ["No such agenda in this organisation."]})
        program = None
        if data.get("program"):
            program = Program.objects.for_org(self.org).filter(pk=data["program"]).first()
            if program is None:
                raise ValidationError({"program": ["No such program in this organisation."]})
        session = session_book(actor=self.membership, mentor=_member(self.org, "mentor", data["mentor"]),
                               mentee=_member(self.org, "mentee", data["mentee"]), start=data["start"],
                               minutes=int(data["minutes"]), agenda=agenda, program=program)
        return Response(BookedSessionOut(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RescheduleIn, responses={200: BookedSessionOut, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def reschedule(self, request, org_slug, id):
        session = self.get_object()
        data = _valid(RescheduleIn, request.data)
        minutes = int(data["minutes"]) if "minutes" in data else None
        session = session_reschedule(actor=self.membership, session=session, start=data["start"], minutes=minutes)
        return Response(BookedSessionOut(session).data)

    @extend_schema(request=CancelIn, responses={200: BookedSessionOut, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def cancel(self, request, org_slug, id):
        session = self.get_object()
        data = _valid(CancelIn, request.data)
        session = session_cancel(actor=self.membership, session=session, reason=data["reason"])
        return Response(BookedSessionOut(session).data)


def _windows(rows) -> list[dict]:
    return [{"weekday": row.weekday, "start": row.start, "end": row.end} for row in rows]


class AvailabilityViewSet(OrgScopedViewSet):
    """The caller's own working windows and focus blocks (in their zone)."""

    queryset = WorkingWindow.unscoped.none()
    pagination_class = None
    action_roles = {"retrieve": EVERY_MEMBER, "update": EVERY_MEMBER}

    def org_queryset(self, org, membership):
        return WorkingWindow.objects.for_org(org).filter(membership=membership)

    def _out(self):
        me = self.membership
        working = list(self.get_queryset())
        blocks = list(FocusBlock.objects.for_org(self.org).filter(membership=me))
        return AvailabilityOut({
            "time_zone": me.time_zone, "uses_default_hours": not working,
            "default_working_hours": [{"weekday": day, "start": me.working_hours_start, "end": me.working_hours_end}
                                      for day in range(5)],
            "working_windows": _windows(working),
            "focus_blocks": [{"id": b.pk, "label": b.label, **_windows([b])[0]} for b in blocks],
        }).data

    @extend_schema(responses={200: AvailabilityOut})
    def retrieve(self, request, org_slug):
        return Response(self._out())

    @extend_schema(request=AvailabilityIn, responses={200: AvailabilityOut, **_errors(400)})
    def update(self, request, org_slug):
        data = _valid(AvailabilityIn, request.data)
        availability_services.availability_replace(
            actor=self.membership,
            working_windows=[(int(w["weekday"]), w["start"], w["end"]) for w in data["working_windows"]],
            focus_blocks=[(int(b["weekday"]), b["start"], b["end"], b.get("label", ""))
                          for b in data["focus_blocks"]])
        return Response(self._out())


class CalendarViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The caller's external calendars: upload an .ics file (multipart) or
    subscribe to an ICS URL (JSON). Only busy times are kept."""

    queryset = ExternalCalendar.unscoped.none()
    serializer_class = CalendarOut
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]
    # Each member's own calendars (org_queryset filters by the caller).
    action_roles = {name: EVERY_MEMBER for name in ("list", "retrieve", "create", "destroy", "sync")}

    def org_queryset(self, org, membership):
        return ExternalCalendar.objects.for_org(org).filter(membership=membership).order_by("name", "id")

    @extend_schema(
        request={"multipart/form-data": CalendarUploadIn, "application/json": CalendarSubscribeIn},
        responses={201: CalendarOut, **_errors(400, 409)},
        description="Multipart with `file`: imports the file now. JSON with `url`: subscribes; the first fetch "
                    "runs in the background (`last_synced_at` stays empty until then).")
    def create(self, request, org_slug):
        body = request.data if isinstance(request.data, dict) else {}  # a JSON body may be null or a list
        if "file" in body:
            data = _valid(CalendarUploadIn, request.data)
            calendar = calendars.calendar_upload(actor=self.membership, name=data["name"],
                                                 content=data["file"].read(calendars.MAX_UPLOAD_BYTES + 1))
        elif "url" in body:
            data = _valid(CalendarSubscribeIn, request.data)
            calendar = calendars.calendar_subscribe(actor=self.membership, name=data["name"], url=data["url"])
        else:
            raise DomainError("Send a file (multipart) or a url.", field="file")
        return Response(CalendarOut(calendar).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **_errors(404)})
    def destroy(self, request, org_slug, id):
        calendars.calendar_delete(actor=self.membership, calendar_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: CalendarOut, 400: OpenApiResponse(ErrorOut), **_errors(404)},
                   description="Fetch a URL calendar now. A fetch that fails is reported in `last_error` (200).")
    @action(detail=True, methods=["post"])
    def sync(self, request, org_slug, id):
        calendar = calendars.calendar_sync(calendar=self.get_object())
        return Response(CalendarOut(calendar).data)
