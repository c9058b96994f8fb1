"""Declaring a route once: Chalice registration, auth, validation, errors and OpenAPI.

`Api.route` wraps a plain function `fn(ctx, **path_params)` so that, before it runs, the
caller's ID token is verified and their role checked, the JSON body and the query string
are validated by pydantic models, and afterwards the result is serialised. Every failure
becomes the one error shape in `wandr.api.errors`. The same declaration feeds the OpenAPI
document, so the document cannot drift from what the routes accept.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice import Chalice, CORSConfig, Response
from chalice.app import Request, handle_extra_types
from pydantic import BaseModel, ValidationError

from wandr import identity
from wandr.api.errors import (
    CHALICE_CODES,
    ApiError,
    BadRequest,
    ValidationFailed,
    error_body,
)
from wandr.identity import Principal

log = logging.getLogger(__name__)

_local = threading.local()
_PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Context:
    """What a route function receives besides its path parameters."""

    principal: Principal
    request: Request
    body: Any = None
    query: Any = None


@dataclass
class Operation:
    """One route as OpenAPI describes it."""

    path: str
    method: str
    operation_id: str
    summary: str
    tags: list[str]
    role: str | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    status: int
    path_params: list[str] = field(default_factory=list)
    content_type: str = "application/json"


Handler = Callable[..., Any]


class JsonText(str):
    """A response body already serialised as JSON (a cached answer), sent as it is."""


def to_json(result: Any) -> JsonText:
    """`result` serialised exactly as Chalice serialises a view's return value."""
    return JsonText(json.dumps(result, separators=(",", ":"), default=handle_extra_types))


class Api:
    """A Chalice app plus the table of operations declared on it."""

    def __init__(self, app: Chalice) -> None:
        self.app = app
        self.operations: list[Operation] = []
        self.cors = CORSConfig(
            allow_origin=os.environ.get("WANDR_CORS_ORIGIN", "*"),
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
        app.register_middleware(_uniform_errors, "http")

    def route(
        self,
        path: str,
        method: str = "GET",
        *,
        summary: str,
        role: str | None = "viewer",
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        tags: tuple[str, ...] = (),
        content_type: str = "application/json",
    ) -> Callable[[Handler], Handler]:
        """Register `fn` at `path`; `role=None` makes the route public (login, openapi)."""

        def decorate(fn: Handler) -> Handler:
            op = Operation(
                path,
                method,
                fn.__name__,
                summary,
                list(tags),
                role,
                body,
                query,
                response,
                status,
                _PATH_PARAM.findall(path),
                content_type,
            )
            self.operations.append(op)

            def view(**params: str) -> Response:
                return self._run(op, fn, params)

            view.__name__ = fn.__name__
            view.__doc__ = fn.__doc__
            self.app.route(path, methods=[method], cors=self.cors)(view)
            return fn

        return decorate

    def _run(self, op: Operation, fn: Handler, params: dict[str, str]) -> Response:
        request = getattr(_local, "request", None) or self.app.current_request
        assert request is not None
        try:
            principal = _principal(op, request)
            ctx = Context(principal, request, _parse_body(op, request), _parse_query(op, request))
            result = fn(ctx, **params)
        except ApiError as exc:
            return _error(exc.status, exc.body())
        except identity.AuthError as exc:
            return _error(
                401,
                error_body("unauthorized", str(exc)),
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        except identity.ForbiddenError as exc:
            return _error(403, error_body("forbidden", str(exc)))
        except ValidationError as exc:
            errors = _errors(exc)
            return _error(422, ValidationFailed(_summary(errors), errors).body())
        return _to_response(result, op.status)


def _principal(op: Operation, request: Request) -> Principal:
    if op.role is None:
        return Principal(tenant="", role="viewer", username="anonymous")
    principal = identity.authenticate(request.headers.get("authorization"))
    principal.require(op.role)
    return principal


def _parse_body(op: Operation, request: Request) -> Any:
    if op.body is None:
        return None
    raw = request.raw_body or b""
    if not raw.strip():
        raise BadRequest("a JSON request body is required")
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from exc
    return op.body.model_validate_json(raw)


def _parse_query(op: Operation, request: Request) -> Any:
    if op.query is None:
        return None
    params = request.query_params
    values: dict[str, Any] = {}
    if params:
        for name in params:
            field_info = op.query.model_fields.get(name)
            if field_info is not None and _is_list(field_info.annotation):
                values[name] = [v for raw in params.getlist(name) for v in raw.split(",") if v]
            else:
                values[name] = params.getlist(name)[-1]
    return op.query.model_validate(values)


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation))


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors without the submitted values (they may be secrets)."""
    return [
        {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def _summary(errors: list[dict[str, Any]]) -> str:
    """The first problem in words, naming the field: what a person reads first."""
    if not errors:
        return "request is not valid"
    first = errors[0]
    where = ".".join(p for p in first["loc"] if p not in ("body", "query")) or "request"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"request is not valid: {where}: {first['msg']}{more}"


def _to_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, JsonText):
        result = str(result)  # a str body is sent as it is
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    elif isinstance(result, list):
        result = [r.model_dump(mode="json") if isinstance(r, BaseModel) else r for r in result]
    return Response(
        body=result,
        status_code=status,
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


def _error(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=body,
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _uniform_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Rewrite Chalice's own `{"Code", "Message"}` errors (405, 415, 500) into our shape.

    It also remembers this request for the view in a thread-local: `app.current_request` is
    one attribute shared by every thread, so a threaded local server could hand a view
    another request's headers (and token). The middleware gets the request of its own call.
    """
    _local.request = event
    try:
        response = get_response(event)
    finally:
        _local.request = None
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = str(body["Code"])
        response.body = error_body(CHALICE_CODES.get(code, "error"), str(body.get("Message")))
        response.headers["Content-Type"] = "application/json"
    return response
