"""Verified ID tokens are remembered by their exact text until `exp`; refusals never are."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from wandr.identity import AuthError, IdentityConfig, TokenVerifier

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Key:
    key = KEY.public_key()


@pytest.fixture
def verifier(monkeypatch) -> Any:
    config = IdentityConfig("us-east-1_pool", "client", "us-east-1", ISSUER, "http://jwks")
    verifier = TokenVerifier(config)
    verifier.signature_checks = 0  # type: ignore[attr-defined]

    def signing_key(token: str) -> Key:
        verifier.signature_checks += 1  # type: ignore[attr-defined]
        return Key()

    monkeypatch.setattr(verifier._jwks, "get_signing_key_from_jwt", signing_key)
    return verifier


def token(exp_in: float = 600, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "u1",
        "iss": ISSUER,
        "aud": "client",
        "token_use": "id",
        "iat": now,
        "exp": now + exp_in,
        "custom:tenant": "demo",
        "cognito:groups": ["viewer"],
        **changes,
    }
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})


def test_the_same_token_is_checked_once_until_it_expires(verifier) -> None:
    good = token()
    assert verifier.verify(good).tenant == "demo"
    assert verifier.verify(good).role == "viewer"
    assert verifier.signature_checks == 1


def test_a_remembered_token_is_refused_once_its_exp_has_passed(verifier) -> None:
    verifier.leeway_s = 0
    good = token(exp_in=1)
    verifier.verify(good)
    time.sleep(1.2)
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(good)


def test_a_token_is_remembered_only_until_exp_even_inside_the_leeway(verifier) -> None:
    late = token(exp_in=-5)  # expired, but within the 30 s leeway the full check allows
    verifier.verify(late)
    verifier.verify(late)
    assert verifier.signature_checks == 2


def test_a_token_edited_after_a_good_one_was_remembered_is_refused(verifier) -> None:
    good = token()
    verifier.verify(good)
    header, _payload, signature = good.split(".")
    other = token(**{"custom:tenant": "acme"}).split(".")[1]
    with pytest.raises(AuthError, match="invalid token"):
        verifier.verify(f"{header}.{other}.{signature}")


@pytest.mark.parametrize(
    "changes", [{"aud": "other"}, {"iss": "https://elsewhere"}, {"token_use": "access"}]
)
def test_refusals_are_never_remembered(verifier, changes) -> None:
    bad = token(**changes)
    for _ in range(2):
        with pytest.raises(AuthError):
            verifier.verify(bad)
    assert verifier.signature_checks == 2


def test_unsigned_and_hs256_tokens_are_refused_before_any_cache(verifier) -> None:
    claims = jwt.decode(token(), options={"verify_signature": False})
    for forged in (
        jwt.encode(claims, None, algorithm="none"),
        jwt.encode(claims, "public-key-as-secret" * 2, algorithm="HS256"),
    ):
        with pytest.raises(AuthError, match="not accepted"):
            verifier.verify(forged)


def test_at_most_remember_tokens_are_kept(verifier) -> None:
    verifier._remember = 2
    tokens = [token(sub=f"u{i}") for i in range(3)]
    for t in tokens:
        verifier.verify(t)
    verifier.verify(tokens[0])  # forgotten first: checked again
    assert verifier.signature_checks == 4
