"""A tenant's Corsight settings (its secret) and where each layout sends requests."""

from __future__ import annotations

import json

import pytest

from wandr.corsight.client import CorsightError, CorsightSettings

SECRET = {"base_url": "https://corsight.mall.example", "username": "svc", "password": "p@ss-1"}


def test_the_default_layout_uses_the_users_service_gateway() -> None:
    settings = CorsightSettings.from_json(json.dumps(SECRET), source="secret s")

    assert settings.login_url() == "https://corsight.mall.example/users_service/auth/login/"
    assert settings.events_url() == (
        "https://corsight.mall.example/history_service/history/events/"
    )


def test_the_legacy_layout_puts_each_service_on_its_own_port() -> None:
    settings = CorsightSettings.from_json(
        json.dumps({**SECRET, "base_url": "http://10.0.0.5:9999/", "layout": "legacy_port"}),
        source="secret s",
    )

    assert settings.login_url() == "http://10.0.0.5:5004/auth/login"
    assert settings.events_url() == "http://10.0.0.5:5005/history/events"


def test_the_password_never_appears_in_the_settings_repr() -> None:
    settings = CorsightSettings.from_json(json.dumps(SECRET), source="secret s")

    assert "p@ss-1" not in repr(settings) and "p@ss-1" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("secret", "named"),
    [
        ({"username": "svc", "password": "p@ss-1"}, "base_url: Field required"),
        ({**SECRET, "base_url": "corsight.mall"}, "base_url: String should match"),
        ({**SECRET, "layout": "ports"}, "layout: Input should be"),
        ({**SECRET, "pasword": "x"}, "pasword: Extra inputs are not permitted"),
        ({**SECRET, "password": 12345678}, "password: Input should be a valid string"),
    ],
)
def test_bad_settings_name_the_key_and_never_echo_a_value(
    secret: dict[str, object], named: str
) -> None:
    with pytest.raises(CorsightError, match="secret wandr/corsight/acme") as raised:
        CorsightSettings.from_json(json.dumps(secret), source="secret wandr/corsight/acme")

    assert named in str(raised.value)
    assert "p@ss-1" not in str(raised.value) and "12345678" not in str(raised.value)


def test_a_secret_that_is_not_json_says_so() -> None:
    with pytest.raises(CorsightError, match="secret s is not valid JSON"):
        CorsightSettings.from_json("base_url=x", source="secret s")
