"""The org-scoped viewset base every tenant endpoint derives from."""

from __future__ import annotations

from rest_framework import viewsets

from .errors import NotPermitted
from .mfa import mfa_message, mfa_missing
from .services import require_role
from .tenancy import resolve_org

# An ``action_roles`` value: any active member of the org may call the action.
EVERY_MEMBER: tuple[str, ...] = ()


class OrgScopedViewSetMixin:
    """Resolves ``org_slug`` from the URL once, before any handler runs, and
    hands out querysets scoped to it.  Subclasses implement
    ``org_queryset(org, membership)``; overriding ``get_queryset`` is refused at
    class creation so nobody bypasses the scoping by accident.

    ``action_roles`` declares, for every routed action, who may call it: a tuple
    of roles, or ``EVERY_MEMBER``. It is checked after the org is resolved (an
    outsider gets 404 before a member without the role gets 403) and read by the
    role matrix (tests/test_role_matrix.py), which fails for an undeclared action."""

    action_roles: dict[str, tuple[str, ...]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must implement org_queryset(), not get_queryset().")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.org, self.membership = resolve_org(request, kwargs["org_slug"])
        if mfa_missing(self.membership):
            raise NotPermitted(mfa_message(self.org))
        roles = self.action_roles.get(self.action)
        if roles:
            require_role(self.membership, *roles)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.queryset.none() if self.queryset is not None else None
        return self.org_queryset(self.org, self.membership)

    def org_queryset(self, org, membership):
        raise NotImplementedError

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["org"] = getattr(self, "org", None)
        context["membership"] = getattr(self, "membership", None)
        return context


class OrgScopedViewSet(OrgScopedViewSetMixin, viewsets.GenericViewSet):
    lookup_field = "id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
