"""Authentication over HTTP: logins, and every kind of bad token is refused with a 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from moto.utilities.utils import load_resource

from tests.integration.api.conftest import Caller

MOTO_KEY = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json"), algorithm="RS256")


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _sign(claims: dict[str, Any]) -> str:
    """A token signed with moto's own Cognito key, so only the claims can be at fault."""
    return jwt.encode(claims, MOTO_KEY.key, algorithm="RS256", headers={"kid": "dummy"})


def _me(http: httpx.Client, token: str) -> httpx.Response:
    return http.get("/me", headers={"Authorization": f"Bearer {token}"})


def _assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"


def test_login_returns_an_id_token_that_names_the_tenant_and_role(callers: dict[str, Caller]):
    for name, caller in callers.items():
        me = caller.call("GET", "/me")
        assert me.status_code == 200
        assert me.json() == {
            "username": caller.username,
            "tenant": caller.tenant,
            "role": caller.role,
        }, name


def test_a_wrong_password_is_a_401_in_the_common_error_shape(http, users):
    response = http.post(
        "/auth/login",
        json={"username": users["demo/admin"]["username"], "password": "not-the-password"},
    )
    _assert_unauthorized(response)
    assert response.json()["error"]["message"] == "incorrect username or password"


def test_a_refresh_token_buys_a_new_working_id_token(http, users):
    user = users["demo/viewer"]
    tokens = http.post(
        "/auth/login", json={"username": user["username"], "password": user["password"]}
    ).json()
    fresh = http.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert fresh.status_code == 200
    assert _me(http, fresh.json()["id_token"]).json()["tenant"] == "demo"


def test_requests_without_a_bearer_token_are_refused(http):
    _assert_unauthorized(http.get("/me"))
    _assert_unauthorized(http.get("/me", headers={"Authorization": "Basic YTpi"}))
    _assert_unauthorized(http.get("/me", headers={"Authorization": "Bearer not.a.jwt"}))


def test_a_token_resigned_with_the_pool_key_and_unchanged_claims_is_accepted(http, callers):
    """The control for the tests below: our re-signing alone does not make a token fail."""
    token = _sign(_claims(callers["demo/viewer"].token))
    assert _me(http, token).status_code == 200


def test_a_token_whose_payload_was_edited_after_signing_is_refused(http, callers):
    token = callers["demo/viewer"].token
    header, _payload, signature = token.split(".")
    claims = _claims(token) | {"custom:tenant": "acme", "cognito:groups": ["admin"]}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    _assert_unauthorized(_me(http, f"{header}.{forged}.{signature}"))


def test_an_expired_token_is_refused(http, callers):
    claims = _claims(callers["demo/viewer"].token)
    claims |= {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
    response = _me(http, _sign(claims))
    _assert_unauthorized(response)
    assert "expired" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "claim, value",
    [
        ("aud", "some-other-app-client"),
        ("iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeOtherPool"),
        ("token_use", "access"),
    ],
)
def test_a_token_for_another_audience_issuer_or_use_is_refused(http, callers, claim, value):
    claims = _claims(callers["demo/viewer"].token) | {claim: value}
    _assert_unauthorized(_me(http, _sign(claims)))


def test_the_access_token_is_not_accepted_in_place_of_the_id_token(http, users):
    user = users["demo/admin"]
    tokens = http.post(
        "/auth/login", json={"username": user["username"], "password": user["password"]}
    ).json()
    _assert_unauthorized(_me(http, tokens["access_token"]))


def test_an_unsigned_alg_none_token_is_refused(http, callers):
    claims = _claims(callers["demo/viewer"].token) | {"cognito:groups": ["admin"]}
    _assert_unauthorized(_me(http, jwt.encode(claims, None, algorithm="none")))


def test_an_hs256_token_keyed_with_the_public_key_is_refused(http, callers, api_stack):
    """The classic confusion attack: HMAC with the RSA public key as the shared secret."""
    jwks = httpx.get(api_stack.identities["jwks_url"]).json()
    public_pem = jwt.PyJWK(jwks["keys"][0]).key.public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    claims = _claims(callers["demo/viewer"].token)
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT","kid":"dummy"}').rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signing_input = header + b"." + body
    mac = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    token = (signing_input + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()
    _assert_unauthorized(_me(http, token))


def test_a_user_without_a_role_group_is_forbidden(http, callers):
    claims = _claims(callers["demo/viewer"].token) | {"cognito:groups": ["shoppers"]}
    response = _me(http, _sign(claims))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
