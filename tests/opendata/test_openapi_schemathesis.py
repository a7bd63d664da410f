"""The API against its own OpenAPI document (schemathesis, in-process through the WSGI app): every
operation is called with generated parameters, valid and invalid, and the test fails on any 5xx,
any status the document does not list, and any body or header that does not match its schema."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings

#: Examples per operation and mode: enough to try every filter, bounded to keep the test short.
EXAMPLES = 12

CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            # A page past the last one, or a well-formed code the classification does not have,
            # is valid by the schema's types and still refused with a 400 (as the document says).
            "positive_data_acceptance": {"expected-statuses": ["2xx", "304", "400", "404"]},
        },
    }
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
def test_the_api_matches_its_openapi_document(
    app: Flask, mode: schemathesis.GenerationMode
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 12

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate()

        call()
