"""API fuzzing with schemathesis against our own OpenAPI schema (/api/schema/).

Every operation gets a bounded number of generated requests (valid and
invalid), sent through the WSGI app with a program manager's Bearer token and
the org slug fixed to the test org. Checks: no 5xx, status codes, content
types, headers and bodies as the schema documents them, and invalid input
refused with a 4xx. The identity also mentors and is mentored, so the session
and booking endpoints are reached past their role checks.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                         response_headers_conformance, response_schema_conformance,
                                         status_code_conformance)

from tests.factories import MembershipFactory

MAX_EXAMPLES = 10
# Both wordings schemathesis uses for a body field of the wrong type: "in body - name: Incorrect
# type" and "… violates `type` at /properties/name … (became integer)".
NUMBER_FOR_STRING = re.compile(r"in body - (\w+): Incorrect type|`type` at /properties/(\w+)")


@schemathesis.check
def invalid_input_is_refused(ctx, response, case):
    """negative_data_rejection, less one documented DRF coercion: a string
    field reads the number 0 as "0" (CharField accepts int and float)."""
    try:
        return negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData as failure:
        field = NUMBER_FOR_STRING.search(failure.message)
        name = field and (field.group(1) or field.group(2))
        value = case.body.get(name) if name and isinstance(case.body, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return None
        raise


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, invalid_input_is_refused]


@pytest.fixture
def fuzzer(org_a):
    return MembershipFactory(organization=org_a, is_manager=True, is_mentor=True, is_mentee=True,
                             display_name="Fuzz Manager", user__email="fuzz@acme.test")


@pytest.fixture
def wsgi_app(db):
    """The real WSGI app, inside the test's transaction: like Django's test
    client, keep request signals from closing the test's connection."""
    from django.core import signals
    from django.db import close_old_connections

    from mentoring.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(fuzzer):
    from mentoring.services import token_issue

    return {"Authorization": f"Bearer {token_issue(user=fuzzer.user, name='fuzz')[1]}"}


def _load_schema():
    # Loaded at collection: schema generation reads code, not the database.
    # (schemathesis.pytest.from_fixture would defer it, but its lazy path does
    # not run on pytest 9.)
    from mentoring.wsgi import application

    config = SchemathesisConfig.from_dict({
        "parameters": {"path.org_slug": "acme"},
        "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
        # The coverage phase adds a deterministic case per boundary of every
        # parameter (hundreds per operation); random examples keep CI fast.
        "phases": {"coverage": {"enabled": False}},
    })
    return schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)


schema = _load_schema()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_every_api_operation_answers_as_its_schema_says(case, wsgi_app, bearer, mentor, mentee):
    checks = CHECKS
    if case.media_type and "json" not in case.media_type:
        # Only a JSON body can be "the wrong type": a text/csv body is any text,
        # and DRF reads an empty optional form field as "not sent" (HTML form
        # semantics), so a blank value there is skipped rather than refused.
        checks = [check for check in CHECKS if check is not invalid_input_is_refused]
    case.call_and_validate(headers=bearer, checks=checks)
