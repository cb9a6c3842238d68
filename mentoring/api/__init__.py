"""The REST API of the core domain: serializers (input and output apart) and
viewsets. Thin: every write goes through ``services``, every read that is more
than a one-liner through ``selectors``; the org comes from the URL
(``OrgScopedViewSet``), so ids from the URL or the body are looked up inside it.

One module per resource (``orgs``, ``tokens``, ``members``, ``people``,
``invitations``, ``policy``); ``common`` holds what the other API modules
share and ``imports`` the CSV plumbing. The names other modules use are
re-exported here."""

from .common import ERRORS, ROLE_CHOICES, ErrorOut, OrgResourceViewSet, _errors, _valid
from .imports import (CSVParser, CSVRenderer, ImportErrorOut, ImportIn, ImportQueryIn, ImportRefusedOut,
                      ImportResultOut, ImportRowOut)
from .invitations import InvitationIn, InvitationOut, InvitationViewSet
from .members import MemberFilterIn, MemberOut, MemberViewSet, RolesIn
from .orgs import MembershipRefOut, MeOut, MeView, OrgOut, OrgRefOut, OrgViewSet
from .people import ManagerRefOut, PeopleFilterIn, PeopleViewSet, PersonIn, PersonOut, WorkItemIn, WorkItemOut
from .policy import PolicyIn, PolicyOut, PolicyViewSet
from .tokens import TokenCreatedOut, TokenIn, TokenOut, TokenViewSet

__all__ = [
    "CSVParser", "CSVRenderer", "ERRORS", "ROLE_CHOICES", "ErrorOut", "ImportErrorOut", "ImportIn", "ImportQueryIn",
    "ImportRefusedOut", "ImportResultOut", "ImportRowOut", "InvitationIn", "InvitationOut", "InvitationViewSet",
    "ManagerRefOut", "MeOut", "MeView", "MemberFilterIn", "MemberOut", "MemberViewSet", "MembershipRefOut", "OrgOut",
    "OrgRefOut", "OrgResourceViewSet", "OrgViewSet", "PeopleFilterIn", "PeopleViewSet", "PersonIn", "PersonOut",
    "PolicyIn", "PolicyOut", "PolicyViewSet", "RolesIn", "TokenCreatedOut", "TokenIn", "TokenOut", "TokenViewSet",
    "WorkItemIn", "WorkItemOut", "_errors", "_valid",
]
