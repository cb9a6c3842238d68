"""Tenancy: every tenant-owned row belongs to one organisation.

The organisation comes from the URL, once per request (``resolve_org``), and
every query of a tenant model goes through ``Model.objects.for_org(org)``.
``Model.objects.all()`` and friends *raise*: the scoped manager fails closed.
Related managers (``membership.work_items``) and the admin use the plain
``unscoped`` manager, which is safe only because they start from an object
that was itself looked up inside the org.
"""

from __future__ import annotations

import uuid
import zoneinfo

from django.db import models
from django.http import Http404
from django.utils import timezone


class UnscopedQueryError(RuntimeError):
    """A tenant model was queried without naming the organisation."""


class OrgScopedManager(models.Manager):
    def get_queryset(self):  # noqa: D102 - fail closed
        raise UnscopedQueryError(
            f"{self.model.__name__}.objects needs .for_org(org); "
            f"use .unscoped only where an org boundary is not involved."
        )

    def for_org(self, org) -> models.QuerySet:
        if org is None or getattr(org, "pk", None) is None:
            raise UnscopedQueryError(f"{self.model.__name__}.objects.for_org() got no organisation")
        return super().get_queryset().filter(organization=org)


class OrgOwned(models.Model):
    """Abstract base of every tenant model: non-guessable id + organisation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("mentoring.Organization", on_delete=models.CASCADE)

    # Declared first, so Django uses it as the default (related managers,
    # admin, dumpdata); application code uses ``objects.for_org``.
    unscoped = models.Manager()
    objects = OrgScopedManager()

    class Meta:
        abstract = True


def org_get_or_404(model, org, **lookup):
    """Look an object up *within* the org: another org's id is simply not found."""
    try:
        return model.objects.for_org(org).get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {model._meta.verbose_name} here.") from None
    except Exception as exc:  # malformed UUIDs raise ValidationError
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            raise Http404(f"No {model._meta.verbose_name} here.") from None
        raise


def resolve_org(request, org_slug: str):
    """Resolve the org and the caller's active membership, once per request.

    Unknown org and "not a member" give the same 404, so a slug's existence is
    not confirmed to outsiders.
    """
    from .selectors import memberships_of_user

    if getattr(request, "org", None) is not None and request.org.slug == org_slug:
        return request.org, request.membership
    user = request.user
    if not user.is_authenticated:
        raise Http404("No such organisation.")
    # All of the user's active memberships in one query, kept on the user for the
    # navigation's org switcher too (one query per request instead of two).
    membership = next((m for m in memberships_of_user(user) if m.organization.slug == org_slug), None)
    if membership is None:
        raise Http404("No such organisation.")
    request.org = membership.organization
    request.membership = membership
    # Inside an org, times are shown in the viewer's own zone.
    timezone.activate(zoneinfo.ZoneInfo(membership.time_zone))
    return request.org, membership
