"""Property-based fuzzing of every documented operation: no 5xx, and every 4xx is our shape.

schemathesis reads /openapi.json from the running local stack and generates requests from
the schemas (valid and invalid ones). Examples per operation are capped to keep the suite
fast; raise WANDR_FUZZ_EXAMPLES for a longer hunt.
"""

from __future__ import annotations

import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = int(os.environ.get("WANDR_FUZZ_EXAMPLES", "12"))


def test_no_request_makes_the_api_fail_with_a_5xx(api_stack, callers):
    schema = schemathesis.openapi.from_url(f"{api_stack.api_url}/openapi.json")
    headers = {"Authorization": f"Bearer {callers['acme/admin'].token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    seen: Counter[int] = Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case):
            response = case.call(base_url=api_stack.api_url, headers=headers)
            seen[response.status_code // 100] += 1
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)
            if response.status_code >= 400:
                error = response.json()["error"]
                assert isinstance(error["code"], str) and isinstance(error["message"], str)

        no_server_error()
    # The token was accepted and the handlers ran: both successes and refusals happened.
    assert seen[2] > len(operations) and seen[4] > len(operations), seen
