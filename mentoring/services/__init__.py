"""Every write of the core domain that has rules: one function per use case,
transactional, validating, raising domain errors (``mentoring.errors``).

One module per entity (``orgs``, ``members``, ``invitations``, ``people``,
``people_import``, ``tokens``); ``common`` holds the role and validation
checks. Everything is re-exported here, including the private helpers other
service modules use (``require_role``, ``_full_clean``, ``_skills_for``)."""

from .common import _full_clean, require_role
from .invitations import (INVITATION_LIFETIME, invitation_accept, invitation_create, invitation_open, invitation_revoke,
                          invitation_url)
from .members import membership_deactivate, membership_reactivate, membership_set_roles
from .orgs import POLICY_FIELDS, org_policy_update, organization_create
from .people import PROFILE_FIELDS, _skills_for, people_export, person_update
from .people_import import people_import_apply, people_import_preview, people_import_upload
from .tokens import token_issue, token_revoke

__all__ = [
    "INVITATION_LIFETIME", "POLICY_FIELDS", "PROFILE_FIELDS", "_full_clean", "_skills_for", "invitation_accept",
    "invitation_create", "invitation_open", "invitation_revoke", "invitation_url", "membership_deactivate",
    "membership_reactivate", "membership_set_roles", "org_policy_update", "organization_create", "people_export",
    "people_import_apply", "people_import_preview", "people_import_upload", "person_update", "require_role",
    "token_issue", "token_revoke",
]
