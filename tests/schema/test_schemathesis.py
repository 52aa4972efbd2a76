"""Schemathesis against the WSGI app: generated requests on every operation, as a teacher with a token.

No answer may be a server error, and every answer must be one the schema documents (status code,
content type and body). Bounded: a few examples per operation and a time budget for the whole run.
"""

import itertools
import os
import time

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.grading.factories import AssignmentFactory, CollaboratorFactory, SubmissionFactory
from tests.predictor.factories import PredictionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.timeout(420)]
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", 10))  # more for a deeper run by hand
BUDGET_SECONDS = 240
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def in_test_transaction():
    """Run the WSGI app inside the test's transaction, as django.test.Client does.

    Django closes the connection when a request starts and ends; inside a test that would close
    the test's own transaction.
    """
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def objects(owner, collaborator):
    """Real objects, so that generated requests reach past the lookups as well as into 404s."""
    assignment = AssignmentFactory(owner=owner)
    CollaboratorFactory(assignment=assignment, user=collaborator, role="grader")
    return {
        "prediction": PredictionFactory(owner=owner, status="done", result={"numbers": []}),
        "assignment": assignment,
        "submission": SubmissionFactory(assignment=assignment),
        "collaborator": collaborator,
    }


def real_ids(path: str, objects) -> dict:
    if path.startswith("/api/predictions/"):
        return {"id": str(objects["prediction"].pk)}
    if path.startswith("/api/submissions/"):
        return {"id": str(objects["submission"].pk)}
    return {"id": objects["assignment"].pk, "user_id": objects["collaborator"].pk}


def test_it_answers_generated_requests_as_the_schema_says(owner, objects, in_test_transaction):
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    headers = {"Authorization": f"Token {Token.objects.create(user=owner).key}"}
    deadline = time.monotonic() + BUDGET_SECONDS
    # Deletions last: the objects the other operations look up must still exist.
    every = sorted(
        (r.ok() for r in schema.get_all_operations()), key=lambda op: op.method.upper() == "DELETE"
    )
    ran, seen = [], {}
    for operation in every:
        if time.monotonic() > deadline:
            break
        for status in exercise(operation, headers, real_ids(operation.path, objects)):
            seen[status] = seen.get(status, 0) + 1
        ran.append(operation.label)

    print(f"schemathesis: {len(ran)} operations, {sum(seen.values())} cases, statuses {sorted(seen.items())}")
    assert len(ran) >= 20, f"the budget ran out after {ran}"
    # The run reached past validation and lookups, not only into errors.
    assert {200, 204, 400, 404} <= seen.keys(), seen


def exercise(operation, headers: dict, known: dict) -> list[int]:
    """Run one operation's generated cases; most use objects that exist, the others the generated ids."""
    statuses = []
    use_known = itertools.cycle([True, True, False])

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        if case.path_parameters and next(use_known):
            case.path_parameters = {k: known.get(k, v) for k, v in case.path_parameters.items()}
        statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    run()
    return statuses
