"""The OpenAPI document and the one error shape, over HTTP."""

from __future__ import annotations


def test_openapi_json_is_public_and_lists_every_route(http, api_stack):
    doc = http.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/auth/login",
        "/me",
        "/uploads",
        "/uploads/{upload_id}",
        "/map",
        "/journeys",
        "/openapi.json",
    ):
        assert path in doc["paths"], path
    create = doc["paths"]["/uploads"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UploadCreate"
    }
    assert create["security"] == [{"bearer": []}]
    assert "UploadCreate" in doc["components"]["schemas"]


def test_an_unsupported_method_answers_in_the_common_error_shape(callers):
    response = callers["demo/viewer"].call("DELETE", "/me")
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_unknown_upload_id_is_a_404_in_the_common_error_shape(callers):
    response = callers["demo/viewer"].call("GET", "/uploads/does-not-exist")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "details": None,
            "message": "upload 'does-not-exist' not found",
        }
    }


def test_a_wrong_content_type_is_a_415_in_the_common_error_shape(callers):
    response = callers["demo/analyst"].call(
        "POST", "/uploads", content=b"a=b", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
