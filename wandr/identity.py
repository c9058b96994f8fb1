"""Who is calling: Cognito logins, JWT verification, principals and roles.

Every API request carries a Cognito **ID token**; it is the only token that holds the
tenant (`custom:tenant`) and the groups (`cognito:groups`), so access tokens are refused.
A token is trusted only after its RS256 signature checks out against the pool's JWKS and
its expiry, audience (the app client), issuer (the pool) and `token_use` all match.

The tenant comes from the immutable custom attribute `custom:tenant`; the role from the
Cognito groups `admin` / `analyst` / `viewer` (only an administrator can change a user's
groups, whereas a user may be allowed to edit their own mutable attributes). Nothing in a
request body, query or path can choose the tenant.

Locally the pool lives in moto: the issuer is the same `https://cognito-idp.<region>...`
string moto writes into its tokens, while the keys are fetched from the moto server
(`<endpoint>/<pool>/.well-known/jwks.json`). In the cloud both point at Cognito.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWKClient

from wandr import aws
from wandr.rawkeys import is_valid_id
from wandr.resources import Resources, current

ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")
"""Roles from least to most privileged; a higher role may do everything a lower one may."""
_RANK = {role: rank for rank, role in enumerate(ROLES)}

ALGORITHMS = ["RS256"]
"""Cognito signs with RS256 only. Fixing the list refuses `none` and HS256-with-public-key."""

CLIENT_NAME = "web"
DEMO_PASSWORD_ENV = "WANDR_DEMO_PASSWORD"
_DEFAULT_DEMO_PASSWORD = "Wandr-demo-2026!"  # local moto pool only; never a cloud credential


class AuthError(Exception):
    """The caller is not authenticated (bad, expired or missing token; wrong password)."""


class ForbiddenError(Exception):
    """The caller is authenticated but their role does not allow the action."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the tenant every query is scoped to, a role, a username."""

    tenant: str
    role: str
    username: str
    sub: str = ""

    def can(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def require(self, role: str) -> None:
        if not self.can(role):
            raise ForbiddenError(f"this action needs the {role} role; you are {self.role}")


def role_from_groups(groups: list[str] | None) -> str | None:
    """The most privileged of the known roles among a user's Cognito groups."""
    known = [g for g in (groups or []) if g in _RANK]
    return max(known, key=_RANK.__getitem__) if known else None


@dataclass(frozen=True)
class IdentityConfig:
    """Where tokens come from and where their keys are published."""

    user_pool_id: str
    client_id: str
    region: str
    issuer: str
    jwks_url: str

    @classmethod
    def for_pool(
        cls,
        user_pool_id: str,
        client_id: str,
        region: str | None = None,
        endpoint_url: str | None = None,
    ) -> IdentityConfig:
        region = region or aws.region()
        issuer = os.environ.get("WANDR_JWT_ISSUER") or (
            f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        )
        jwks_url = os.environ.get("WANDR_JWKS_URL") or (
            f"{endpoint_url.rstrip('/')}/{user_pool_id}/.well-known/jwks.json"
            if endpoint_url
            else f"{issuer}/.well-known/jwks.json"
        )
        return cls(user_pool_id, client_id, region, issuer, jwks_url)

    @classmethod
    def from_environment(cls) -> IdentityConfig:
        """From WANDR_USER_POOL_ID / WANDR_USER_POOL_CLIENT_ID, else found by the pool's name.

        The lookup by name is for the local stack, where the pool id is random per run.
        """
        pool_id = os.environ.get("WANDR_USER_POOL_ID")
        client_id = os.environ.get("WANDR_USER_POOL_CLIENT_ID")
        if not pool_id or not client_id:
            pool_id, client_id = _find_pool(current().user_pool_name)
        return cls.for_pool(pool_id, client_id, endpoint_url=aws.endpoint_url())


def _find_pool(pool_name: str) -> tuple[str, str]:
    cognito = aws.client("cognito-idp")
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    matches = [p["Id"] for p in pools if p["Name"] == pool_name]
    if not matches:
        raise AuthError(f"no user pool named {pool_name!r}; set WANDR_USER_POOL_ID")
    clients = cognito.list_user_pool_clients(UserPoolId=matches[0], MaxResults=60)
    ids = [c["ClientId"] for c in clients["UserPoolClients"] if c["ClientName"] == CLIENT_NAME]
    if not ids:
        raise AuthError(f"user pool {pool_name!r} has no app client {CLIENT_NAME!r}")
    return matches[0], ids[0]


class TokenVerifier:
    """Verifies Cognito ID tokens; the JWKS is fetched once and cached by PyJWKClient.

    A token that passed every check is remembered, by its exact text, until its `exp`, so a
    dashboard's next requests with the same token skip the RS256 check (the claims cannot
    change without changing the text, and the cache holds them no longer than `exp`, without
    leeway). Only successes are kept: a token refused once is checked again in full every
    time, and so is any token that differs by one character from a remembered one.
    """

    def __init__(self, config: IdentityConfig, leeway_s: int = 30, remember: int = 1024) -> None:
        self.config = config
        self.leeway_s = leeway_s
        self._jwks = PyJWKClient(config.jwks_url, cache_keys=True, lifespan=3600, timeout=5)
        self._remember = remember
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._verified_lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        claims = self.claims(token)
        tenant = claims.get("custom:tenant")
        if not isinstance(tenant, str) or not is_valid_id(tenant):
            raise AuthError("token carries no valid tenant")
        role = role_from_groups(claims.get("cognito:groups"))
        if role is None:
            raise ForbiddenError("user belongs to none of the groups admin, analyst, viewer")
        username = claims.get("cognito:username") or claims.get("email") or claims["sub"]
        return Principal(tenant=tenant, role=role, username=str(username), sub=claims["sub"])

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of an ID token, or AuthError saying what was wrong."""
        with self._verified_lock:
            known = self._verified.get(token)
            if known is not None:
                if time.time() < known["exp"]:
                    self._verified.move_to_end(token)
                    return dict(known)
                del self._verified[token]  # expired: checked in full (and refused) below
        claims = self._check(token)
        if isinstance(claims.get("exp"), int | float) and time.time() < claims["exp"]:
            with self._verified_lock:
                self._verified[token] = claims
                while len(self._verified) > self._remember:
                    self._verified.popitem(last=False)
        return claims

    def _check(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthError("malformed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise AuthError(f"token algorithm {header.get('alg')!r} is not accepted")
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.config.client_id,
                issuer=self.config.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token has expired") from exc
        except jwt.PyJWKClientConnectionError as exc:
            raise AuthError("signing keys are unavailable") from exc
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        if claims.get("token_use") != "id":
            raise AuthError("an ID token is required (token_use must be 'id')")
        return claims


_verifier_lock = threading.Lock()
_verifier: TokenVerifier | None = None


def verifier() -> TokenVerifier:
    """The process-wide verifier (built on first use, so a cold start fetches keys once)."""
    global _verifier
    with _verifier_lock:
        if _verifier is None:
            _verifier = TokenVerifier(IdentityConfig.from_environment())
        return _verifier


def reset_verifier() -> None:
    """Forget the cached configuration and keys (tests and the local stack restart)."""
    global _verifier
    with _verifier_lock:
        _verifier = None


def authenticate(authorization: str | None) -> Principal:
    """The principal behind an `Authorization: Bearer <id token>` header."""
    if not authorization:
        raise AuthError("missing Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization must be 'Bearer <token>'")
    return verifier().verify(token.strip())


# --- login ----------------------------------------------------------------------------


def login(username: str, password: str, config: IdentityConfig | None = None) -> dict[str, Any]:
    """Username + password against the pool (USER_PASSWORD_AUTH) -> Cognito tokens."""
    config = config or verifier().config
    return _initiate(config, "USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": password})


def refresh(refresh_token: str, config: IdentityConfig | None = None) -> dict[str, Any]:
    """A refresh token -> new ID and access tokens."""
    config = config or verifier().config
    return _initiate(config, "REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": refresh_token})


def _initiate(config: IdentityConfig, flow: str, params: dict[str, str]) -> dict[str, Any]:
    cognito = aws.client("cognito-idp")
    try:
        result = cognito.initiate_auth(
            ClientId=config.client_id, AuthFlow=flow, AuthParameters=params
        )
    except (
        cognito.exceptions.NotAuthorizedException,
        cognito.exceptions.UserNotFoundException,
        cognito.exceptions.UserNotConfirmedException,
        cognito.exceptions.PasswordResetRequiredException,
    ) as exc:
        raise AuthError("incorrect username or password") from exc
    if "AuthenticationResult" not in result:
        raise AuthError(f"login needs the {result.get('ChallengeName')} challenge")
    auth = result["AuthenticationResult"]
    return {
        "id_token": auth["IdToken"],
        "access_token": auth["AccessToken"],
        "refresh_token": auth.get("RefreshToken", params.get("REFRESH_TOKEN")),
        "expires_in": auth["ExpiresIn"],
        "token_type": auth.get("TokenType", "Bearer"),
    }


# --- demo identities (local stack) ------------------------------------------------------

DEMO_TENANTS: tuple[str, ...] = ("demo", "acme")


def demo_users(password: str) -> list[dict[str, str]]:
    """One user per role in each demo tenant: `<role>@<tenant>.local`."""
    return [
        {"username": f"{role}@{tenant}.local", "password": password, "tenant": tenant, "role": role}
        for tenant in DEMO_TENANTS
        for role in reversed(ROLES)
    ]


def seed_demo_identities(resources: Resources) -> dict[str, Any]:
    """Create (or find) the user pool, its web client, the role groups and the demo users.

    Idempotent, so the local stack may call it on every start. Returns what a login needs:
    pool id, client id, issuer, JWKS URL and the users with their passwords. The password is
    WANDR_DEMO_PASSWORD or a fixed local default; this only ever runs against moto.
    """
    cognito = aws.client("cognito-idp")
    pool_id = _ensure_pool(cognito, resources.user_pool_name)
    client_id = _ensure_client(cognito, pool_id)
    for role in ROLES:
        with contextlib.suppress(cognito.exceptions.GroupExistsException):
            cognito.create_group(UserPoolId=pool_id, GroupName=role, Description=f"Wandr {role}")
    password = os.environ.get(DEMO_PASSWORD_ENV, _DEFAULT_DEMO_PASSWORD)
    users = demo_users(password)
    for user in users:
        _ensure_user(cognito, pool_id, user)
    config = IdentityConfig.for_pool(
        pool_id, client_id, region=resources.region, endpoint_url=aws.endpoint_url()
    )
    return {
        "user_pool_id": pool_id,
        "client_id": client_id,
        "region": config.region,
        "issuer": config.issuer,
        "jwks_url": config.jwks_url,
        "users": users,
    }


def _ensure_pool(cognito: Any, name: str) -> str:
    for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] == name:
            return str(pool["Id"])
    pool = cognito.create_user_pool(
        PoolName=name,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": False,
            }
        },
        Schema=[
            {"Name": "tenant", "AttributeDataType": "String", "Mutable": False},
            {"Name": "role", "AttributeDataType": "String", "Mutable": True},
        ],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]
    return str(pool["Id"])


def _ensure_client(cognito: Any, pool_id: str) -> str:
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
    for client in clients["UserPoolClients"]:
        if client["ClientName"] == CLIENT_NAME:
            return str(client["ClientId"])
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=CLIENT_NAME,
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        WriteAttributes=["email"],
    )["UserPoolClient"]
    return str(client["ClientId"])


def _ensure_user(cognito: Any, pool_id: str, user: dict[str, str]) -> None:
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=user["username"],
            UserAttributes=[
                {"Name": "email", "Value": user["username"]},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "custom:tenant", "Value": user["tenant"]},
            ],
            MessageAction="SUPPRESS",
        )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=user["username"], Password=user["password"], Permanent=True
    )
    cognito.admin_add_user_to_group(
        UserPoolId=pool_id, Username=user["username"], GroupName=user["role"]
    )
