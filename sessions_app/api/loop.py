"""API of the session loop, under /api/v1/orgs/<org_slug>/: the caller's
sessions (log, private note, survey), next steps (tick off, reopen) and kudos.

Sessions, notes and surveys are for the two participants only: the querysets
hold nothing else, so anyone else gets 404 (managers and HR included).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from mentoring.api import ERRORS
from mentoring.api_viewsets import EVERY_MEMBER, OrgScopedViewSet
from mentoring.errors import DomainError
from mentoring.models import Membership, WorkItem

from ..models import Kudos, MentoringSession, NextStep, OutcomeType, SessionNote
from ..selectors import loop as selectors
from ..services import kudos, logging, next_steps, surveys
from ..services.logging import NextStepDraft


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


def _valid(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Output ---------------------------------------------------------------------------------

class PersonRefOut(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()


class ProgramRefOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="cohort or network (network sessions are paid from the time-bank).")


class AgendaRefOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    outcome_type = serializers.ChoiceField(OutcomeType.choices)
    prompts = serializers.SerializerMethodField()

    def get_prompts(self, agenda) -> list[str]:
        return [line.strip() for line in agenda.prompts.splitlines() if line.strip()]


SESSION_STATUSES = MentoringSession.Status.values


class SessionOut(serializers.ModelSerializer):
    # Plain string: an enum component named "status" would collide with the invitations' one.
    status = serializers.CharField(help_text="One of: booked, done (logged), cancelled.")
    mentor = PersonRefOut()
    mentee = PersonRefOut()
    agenda = AgendaRefOut(allow_null=True)
    program = ProgramRefOut(allow_null=True, help_text="The program it was booked in, if any.")
    minutes = serializers.IntegerField(help_text="Booked length.")
    survey_answered = serializers.BooleanField(help_text="Whether the caller answered this session's survey.")

    class Meta:
        model = MentoringSession
        fields = ["id", "start", "end", "minutes", "status", "mentor", "mentee", "agenda", "program", "logged_at",
                  "actual_minutes", "outcome_type", "survey_answered"]
        read_only_fields = fields


class WorkItemRefOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class NextStepOut(serializers.ModelSerializer):
    session = serializers.UUIDField(source="session_id")
    owner = PersonRefOut()
    work_item = WorkItemRefOut(allow_null=True)
    done = serializers.SerializerMethodField()

    class Meta:
        model = NextStep
        fields = ["id", "session", "title", "owner", "due_date", "work_item", "done", "done_at",
                  "created_at"]
        read_only_fields = fields

    def get_done(self, step) -> bool:
        return step.done_at is not None


class SessionDetailOut(SessionOut):
    next_steps = NextStepOut(many=True)

    class Meta(SessionOut.Meta):
        fields = SessionOut.Meta.fields + ["next_steps"]
        read_only_fields = fields


class NoteOut(serializers.ModelSerializer):
    class Meta:
        model = SessionNote
        fields = ["text", "updated_at"]
        read_only_fields = fields


class SurveyOut(serializers.Serializer):
    session = serializers.UUIDField(source="session_id")
    usefulness = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class KudosOut(serializers.ModelSerializer):
    giver = PersonRefOut()
    receiver = PersonRefOut()
    session = serializers.UUIDField(source="session_id", allow_null=True)

    class Meta:
        model = Kudos
        fields = ["id", "giver", "receiver", "session", "message", "created_at"]
        read_only_fields = fields


# --- Input ------------------------------------------------------------------------------------

class SessionFilterIn(serializers.Serializer):
    status = serializers.ChoiceField(MentoringSession.Status.choices, required=False)


class NextStepIn(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, max_length=200)
    owner = serializers.ChoiceField(["mentee", "mentor"], default="mentee",
                                    help_text="Which participant owns it (usually the mentee).")
    due_date = serializers.DateField(required=False, allow_null=True, default=None,
                                     help_text="Defaults to one week after the session, in your time zone.")
    work_item = serializers.UUIDField(required=False, allow_null=True, default=None,
                                      help_text="One of the mentee's work items.")


class SessionLogIn(serializers.Serializer):
    actual_minutes = serializers.IntegerField(help_text="Within the org's session length bounds.")
    outcome_type = serializers.ChoiceField(OutcomeType.choices)
    notes = serializers.CharField(allow_blank=True, required=False, default="", trim_whitespace=False,
                                  help_text="Private: only the two participants can read them.")
    next_steps = NextStepIn(many=True, required=False, default=list, help_text="At least one.")


class NoteIn(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class SurveyIn(serializers.Serializer):
    usefulness = serializers.IntegerField(min_value=1, max_value=5, help_text="1 (not useful) to 5 (very useful).")
    comment = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class NextStepFilterIn(serializers.Serializer):
    status = serializers.ChoiceField(["open", "done"], required=False)


class KudosFilterIn(serializers.Serializer):
    box = serializers.ChoiceField(["mine", "received", "given", "org"], required=False, default="mine",
                                  help_text="mine: given or received by you (default); org: the org's feed.")


class KudosIn(serializers.Serializer):
    receiver = serializers.UUIDField(help_text="A member of this organisation.")
    message = serializers.CharField(max_length=280, allow_blank=True)
    session = serializers.UUIDField(required=False, allow_null=True, default=None,
                                    help_text="Optionally, a session you both took part in.")


# --- Sessions -------------------------------------------------------------------------------------

class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The caller's own sessions (as mentor or mentee). Logging, the private
    note and the survey are for the two participants only."""

    queryset = MentoringSession.unscoped.none()
    serializer_class = SessionOut
    # Any member reaches only their own sessions (others are 404), as on the HTML pages.
    action_roles = {name: EVERY_MEMBER for name in ("list", "retrieve", "log", "note", "survey")}

    def org_queryset(self, org, membership):
        # The list names the two people only; one session (and what a log or survey does with it) is loaded whole.
        mine = selectors.session_list if self.action == "list" else selectors.sessions_of
        sessions = mine(membership).order_by("-start", "id")
        if self.action == "list":
            filters = _valid(SessionFilterIn, self.request.query_params.dict())
            if filters.get("status"):
                sessions = sessions.filter(status=filters["status"])
        return sessions

    def _detail(self, session) -> dict:
        steps = list(NextStep.objects.for_org(self.org).filter(session=session)
                                       .select_related("owner", "work_item").order_by("due_date", "created_at"))
        data = SessionOut(session).data
        data["next_steps"] = NextStepOut(steps, many=True).data
        return data

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=SESSION_STATUSES)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: SessionDetailOut, **_errors(404)})
    def retrieve(self, request, org_slug, id):
        return Response(self._detail(self.get_object()))

    @extend_schema(request=SessionLogIn, responses={200: SessionDetailOut, **_errors(400, 403, 404, 409)})
    @action(detail=True, methods=["post"])
    def log(self, request, org_slug, id):
        session = self.get_object()
        data = _valid(SessionLogIn, request.data)
        logging.session_log(actor=self.membership, session=session, actual_minutes=data["actual_minutes"],
                            outcome_type=data["outcome_type"], notes=data["notes"],
                            next_steps=self._drafts(session, data["next_steps"]))
        return Response(self._detail(self.get_object()))

    def _drafts(self, session, steps) -> list[NextStepDraft]:
        # Work item ids from the body are suspects: looked up inside the org, among the mentee's.
        ids = {step["work_item"] for step in steps if step["work_item"]}
        items = {item.pk: item for item in WorkItem.objects.for_org(self.org).filter(pk__in=ids,
                                                                                     membership=session.mentee)}
        default_due = session.start.astimezone(ZoneInfo(self.membership.time_zone)).date() + timedelta(days=7)
        drafts = []
        for number, step in enumerate(steps, start=1):
            if step["work_item"] and step["work_item"] not in items:
                raise DomainError(f"Next step {number}: link one of {session.mentee.display_name}’s work items, "
                                  f"or none.", field="next_steps")
            drafts.append(NextStepDraft(
                title=step["title"], owner=session.mentor if step["owner"] == "mentor" else session.mentee,
                due_date=step["due_date"] or default_due, work_item=items.get(step["work_item"])))
        return drafts

    @extend_schema(methods=["GET"], request=None, responses={200: NoteOut, **_errors(404)})
    @extend_schema(methods=["PUT"], request=NoteIn, responses={200: NoteOut, **_errors(400, 404)})
    @action(detail=True, methods=["get", "put"])
    def note(self, request, org_slug, id):
        session = self.get_object()
        if request.method == "PUT":
            note = logging.session_note_update(actor=self.membership, session=session,
                                               text=_valid(NoteIn, request.data)["text"])
        else:
            note = SessionNote.objects.for_org(self.org).filter(session=session).first() or SessionNote(text="")
        return Response(NoteOut(note).data)

    @extend_schema(request=SurveyIn, responses={201: SurveyOut, **_errors(400, 404, 409)})
    @action(detail=True, methods=["post"])
    def survey(self, request, org_slug, id):
        session = self.get_object()
        answer = surveys.survey_answer(actor=self.membership, session=session, **_valid(SurveyIn, request.data))
        return Response(SurveyOut(answer).data, status=status.HTTP_201_CREATED)


# --- Next steps -------------------------------------------------------------------------------------

class NextStepViewSet(mixins.ListModelMixin, OrgScopedViewSet):
    """The caller's next steps, and as a mentor those of their sessions'
    mentees. Only the owner ticks a step off or reopens it."""

    queryset = NextStep.unscoped.none()
    serializer_class = NextStepOut
    action_roles = {name: EVERY_MEMBER for name in ("list", "complete", "reopen")}

    def org_queryset(self, org, membership):
        mine = NextStep.objects.for_org(org)
        # A UNION of the two indexed lookups: "owner = me OR session.mentor = me"
        # as one predicate makes Postgres scan every next step of the org.
        visible = mine.filter(owner=membership).order_by().values("id").union(
            mine.filter(session__mentor=membership).order_by().values("id"))
        steps = (mine.filter(pk__in=visible)
                 .select_related("owner", "work_item").order_by("due_date", "created_at", "id"))
        if self.action == "list":
            # What the list shows of the owner and the work item; a step ticked off is loaded whole.
            steps = steps.only(*selectors.NEXT_STEP_FIELDS, *selectors.person_ref("owner"), "work_item__id",
                               "work_item__name")
            wanted = _valid(NextStepFilterIn, self.request.query_params.dict()).get("status")
            if wanted:
                steps = steps.filter(done_at__isnull=wanted == "open")
        return steps

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=["open", "done"],
                                                description="open: not done yet; done: ticked off.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: NextStepOut, **_errors(403, 404)})
    @action(detail=True, methods=["post"])
    def complete(self, request, org_slug, id):
        step = next_steps.next_step_complete(actor=self.membership, next_step=self.get_object())
        return Response(NextStepOut(step).data)

    @extend_schema(request=None, responses={200: NextStepOut, **_errors(403, 404)})
    @action(detail=True, methods=["post"])
    def reopen(self, request, org_slug, id):
        step = next_steps.next_step_reopen(actor=self.membership, next_step=self.get_object())
        return Response(NextStepOut(step).data)


# --- Kudos -----------------------------------------------------------------------------------------------

class KudosViewSet(mixins.ListModelMixin, OrgScopedViewSet):
    """Five-minute kudos: to anyone in the org (not yourself), optionally for
    a session you both took part in."""

    queryset = Kudos.unscoped.none()
    serializer_class = KudosOut
    action_roles = {"list": EVERY_MEMBER, "create": EVERY_MEMBER}

    def org_queryset(self, org, membership):
        feed = Kudos.objects.for_org(org).select_related("giver", "receiver").order_by("-created_at", "id")
        box = _valid(KudosFilterIn, self.request.query_params.dict())["box"] if self.action == "list" else "mine"
        return {"mine": feed.filter(Q(giver=membership) | Q(receiver=membership)),
                "received": feed.filter(receiver=membership), "given": feed.filter(giver=membership),
                "org": feed}[box]

    @extend_schema(parameters=[KudosFilterIn])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=KudosIn, responses={201: KudosOut, **_errors(400)})
    def create(self, request, org_slug):
        data = _valid(KudosIn, request.data)
        receiver = Membership.objects.for_org(self.org).filter(pk=data["receiver"]).first()
        session = None
        if data["session"]:
            # Only a session the caller took part in; any other id reads as missing.
            session = selectors.sessions_of(self.membership).filter(pk=data["session"]).first()
            if session is None:
                raise DomainError("No such session of yours.", field="session")
        given = kudos.kudos_give(actor=self.membership, receiver=receiver, message=data["message"], session=session)
        return Response(KudosOut(given).data, status=status.HTTP_201_CREATED)
