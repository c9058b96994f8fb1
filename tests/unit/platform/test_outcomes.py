import json

from wandr.outcomes import _bounded_json, failure_reason


def test_a_lambda_error_becomes_type_and_message():
    cause = json.dumps(
        {"errorType": "NoUsableRows", "errorMessage": "missing mandatory column person_id"}
    )
    assert failure_reason({"Error": "NoUsableRows", "Cause": cause}) == (
        "NoUsableRows: missing mandatory column person_id"
    )


def test_a_plain_text_cause_is_kept():
    assert failure_reason({"Error": "States.Timeout", "Cause": "took too long"}) == (
        "States.Timeout: took too long"
    )


def test_a_missing_error_still_gives_a_reason():
    assert failure_reason(None) == "unknown error"
    assert failure_reason({"Error": "ProcessingJobFailed"}) == "ProcessingJobFailed"


def test_an_oversized_report_keeps_its_counts_and_drops_its_row_lists():
    report = {"rows": 10, "bad_rows": [{"line": i, "reason": "x" * 100} for i in range(5000)]}
    stored = json.loads(_bounded_json(report) or "{}")
    assert stored == {"rows": 10, "truncated": True}
