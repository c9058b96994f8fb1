"""A small client for a Corsight server's login and history (appearance events) API.

Transport concerns are delegated to well-kept code: `requests` for HTTP and urllib3's
`Retry` for retries with exponential backoff on 429 and 5xx (honouring `Retry-After`, capped)
and on dropped connections. What is left here is what only Corsight needs: logging in, keeping
the token fresh (renewed shortly before it expires, and once more if the server answers 401
mid-pull), and paging with `limit` / `after_id` while checking every page's shape, so that a
malformed page stops the pull with an error that says what was wrong.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import jwt
import requests
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from wandr.corsight.mapping import MalformedEventError, event_id

log = logging.getLogger(__name__)

Layout = Literal["users_service", "legacy_port"]

# Where each layout serves login and history. `users_service` is the current single-port
# gateway; `legacy_port` is the older layout with one port per service.
USERS_SERVICE_LOGIN = "/users_service/auth/login/"
USERS_SERVICE_EVENTS = "/history_service/history/events/"
LEGACY_LOGIN = "/auth/login"
LEGACY_EVENTS = "/history/events"

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_TOKEN_TTL_S = 600.0


class CorsightError(Exception):
    """Anything that stops a pull; the message is safe to log and store (no secrets)."""


class CorsightAuthError(CorsightError):
    """The server refused the tenant's credentials or a freshly issued token."""


class CorsightUnavailableError(CorsightError):
    """The server kept failing (429/5xx or no connection) after every retry."""


class MalformedPageError(CorsightError):
    """A page of events that is not what the API promises; nothing from it is used."""


class CorsightSettings(BaseModel):
    """A tenant's connection to its Corsight server: the JSON of its Secrets Manager secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field(pattern=r"^https?://[^/\s]+(/\S*)?$")
    username: str = Field(min_length=1)
    password: SecretStr
    layout: Layout = "users_service"
    auth_port: int = Field(default=5004, ge=1, le=65535)
    history_port: int = Field(default=5005, ge=1, le=65535)
    verify_tls: bool = True

    @classmethod
    def from_json(cls, text: str, *, source: str) -> CorsightSettings:
        """Parse a secret's JSON; the error names the bad keys but never echoes a value."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise CorsightError(f"{source} is not valid JSON") from None
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
                for e in error.errors()
            )
            raise CorsightError(f"{source} is not valid Corsight settings: {problems}") from None

    def login_url(self) -> str:
        if self.layout == "legacy_port":
            return _with_port(self.base_url, self.auth_port, LEGACY_LOGIN)
        return self.base_url.rstrip("/") + USERS_SERVICE_LOGIN

    def events_url(self) -> str:
        if self.layout == "legacy_port":
            return _with_port(self.base_url, self.history_port, LEGACY_EVENTS)
        return self.base_url.rstrip("/") + USERS_SERVICE_EVENTS


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up; tests make the sleeps zero."""

    attempts: int = 5
    backoff_factor: float = 0.5
    backoff_max_s: float = 30.0
    retry_after_max_s: int = 30
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0

    def to_urllib3(self) -> Retry:
        return Retry(
            total=self.attempts,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # login is a POST; it is safe to repeat
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max_s,
            backoff_jitter=0.0,
            respect_retry_after_header=True,
            retry_after_max=self.retry_after_max_s,
            raise_on_status=False,  # hand back the last response so the error can name it
        )


class CorsightClient:
    """One logged-in session with a tenant's Corsight server."""

    def __init__(
        self,
        settings: CorsightSettings,
        *,
        retry: RetryPolicy | None = None,
        refresh_margin_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.refresh_margin_s = refresh_margin_s
        self.clock = clock
        self.logins = 0
        self._token: str | None = None
        self._expires_at = 0.0
        self._session = requests.Session()
        self._session.verify = settings.verify_tls
        adapter = HTTPAdapter(max_retries=self.retry.to_urllib3())
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> CorsightClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- authentication ---------------------------------------------------------------
    def login(self) -> None:
        """POST the credentials; keep `data.token` and when it expires."""
        url = self.settings.login_url()
        body = {
            "username": self.settings.username,
            "password": self.settings.password.get_secret_value(),
        }
        response = self._send("POST", url, json=body)
        if response.status_code in (401, 403):
            raise CorsightAuthError(f"Corsight refused the tenant's credentials at {url}")
        self._check_status(response, url)
        data = _json_object(response, f"login response from {url}").get("data")
        if not isinstance(data, Mapping):
            raise MalformedPageError(f"login response from {url} has no data object")
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise MalformedPageError(f"login response from {url} has no data.token")
        self._token = token
        self._expires_at = self._expiry(token, data)
        self.logins += 1
        log.info("logged in to Corsight", extra={"url": url, "expires_at": self._expires_at})

    def _expiry(self, token: str, data: Mapping[str, Any]) -> float:
        """The token's `exp` claim when it is a JWT, else `expires_in`, else a safe default."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            if isinstance(claims.get("exp"), int | float):
                return float(claims["exp"])
        except jwt.PyJWTError:
            pass
        expires_in = data.get("expires_in")
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
            return self.clock() + float(expires_in)
        return self.clock() + DEFAULT_TOKEN_TTL_S

    def _fresh_token(self) -> str:
        if self._token is None or self.clock() >= self._expires_at - self.refresh_margin_s:
            self.login()
        assert self._token is not None
        return self._token

    # --- events -----------------------------------------------------------------------
    def fetch_page(self, after_id: str | None, limit: int) -> list[dict[str, Any]]:
        """One page of events after `after_id` (oldest first), checked for shape."""
        params: dict[str, Any] = {"limit": limit}
        if after_id is not None:
            params["after_id"] = after_id
        url = self.settings.events_url()
        response = self._authorised_get(url, params)
        self._check_status(response, url)
        where = f"page after_id={after_id or '(start)'} from {url}"
        return _events_of(_json_object(response, where), where, limit, after_id)

    def _authorised_get(self, url: str, params: Mapping[str, Any]) -> requests.Response:
        """GET with the token; on 401 log in once more and repeat (token expired mid-pull)."""
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self._fresh_token()}"}
            response = self._send("GET", url, params=params, headers=headers)
            if response.status_code != 401:
                return response
            log.info("Corsight token rejected; logging in again", extra={"attempt": attempt})
            self._token = None
        raise CorsightAuthError(f"Corsight rejected a freshly issued token at {url}")

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        timeout = (self.retry.connect_timeout_s, self.retry.read_timeout_s)
        try:
            return self._session.request(method, url, timeout=timeout, **kwargs)
        except requests.RequestException as error:
            reason = type(error).__name__
            raise CorsightUnavailableError(
                f"Corsight at {url} did not answer after {self.retry.attempts} retries ({reason})"
            ) from None

    def _check_status(self, response: requests.Response, url: str) -> None:
        if response.status_code in RETRY_STATUSES:
            raise CorsightUnavailableError(
                f"Corsight at {url} answered {response.status_code} after "
                f"{self.retry.attempts} retries"
            )
        if response.status_code >= 400:
            raise CorsightError(f"Corsight at {url} answered {response.status_code}")


def _json_object(response: requests.Response, where: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "unknown content type")
        raise MalformedPageError(f"{where}: body is not JSON ({kind})") from None
    if not isinstance(body, dict):
        raise MalformedPageError(f"{where}: body is {type(body).__name__}, not an object")
    return body


def _events_of(
    body: Mapping[str, Any], where: str, limit: int, after_id: str | None
) -> list[dict[str, Any]]:
    """`data.events` of a page, each an object with a new, unique event_id."""
    data = body.get("data")
    events = data.get("events") if isinstance(data, Mapping) else None
    if not isinstance(events, list):
        raise MalformedPageError(f"{where}: data.events is missing or not a list")
    if len(events) > limit:
        raise MalformedPageError(f"{where}: {len(events)} events for limit={limit}")
    seen: set[str] = set() if after_id is None else {after_id}
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise MalformedPageError(f"{where}: event #{index} is not an object")
        try:
            eid = event_id(event)
        except MalformedEventError as error:
            raise MalformedPageError(f"{where}: event #{index}: {error}") from None
        if eid in seen:
            raise MalformedPageError(f"{where}: event #{index} repeats event_id {eid}")
        seen.add(eid)
    return events


def _with_port(base_url: str, port: int, path: str) -> str:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, path, "", ""))
