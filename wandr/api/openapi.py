"""The OpenAPI 3.1 document, generated from the routes declared with `Api.route`.

Paths, parameters, request bodies, responses and security all come from the same
`Operation` records the routes run with, and schemas from the pydantic models that
validate them, so /openapi.json always describes what the API actually accepts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from wandr.api.errors import ErrorResponse
from wandr.api.routing import Operation

_REF = "#/components/schemas/{model}"
_ERRORS = {
    "400": "Malformed request (bad JSON, bad cursor, an impossible value)",
    "401": "Missing, invalid or expired token",
    "403": "The role does not allow this",
    "404": "No such resource in your tenant",
    "409": "The resource is not in a state that allows this",
    "413": "Too large",
    "422": "The request did not match the schema",
}


def document(
    operations: list[Operation],
    title: str = "Wandr API",
    version: str = "1.0.0",
    server_url: str = "/api",
) -> dict[str, Any]:
    models = _models(operations)
    _, defs = models_json_schema([(m, "validation") for m in models], ref_template=_REF)
    schemas = defs.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Visitor analytics: uploads, dwell, occupancy, crowds, journeys. "
            "Send a Cognito ID token as `Authorization: Bearer <token>`; the "
            "tenant comes from the token.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _models(operations: list[Operation]) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [ErrorResponse]
    for op in operations:
        for model in (op.body, op.query, op.response):
            if isinstance(model, type) and issubclass(model, BaseModel) and model not in found:
                found.append(model)
    return found


def _schema(model: Any) -> dict[str, Any]:
    if model is None:
        return {}
    if isinstance(model, type) and issubclass(model, BaseModel):
        return {"$ref": _REF.format(model=model.__name__)}
    return TypeAdapter(model).json_schema(ref_template=_REF)


def _operation(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": op.tags,
        "parameters": _parameters(op),
    }
    if op.role is not None:
        out["security"] = [{"bearer": []}]
        out["description"] = f"Needs the `{op.role}` role or higher."
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(op.body)}},
        }
    content = (
        {op.content_type: {"schema": {"type": "string"}}}
        if op.content_type != "application/json"
        else {"application/json": {"schema": _schema(op.response)}}
    )
    responses: dict[str, Any] = {str(op.status): {"description": "OK", "content": content}}
    error = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorResponse")}}}
    for status, why in _ERRORS.items():
        if status in ("401", "403") and op.role is None:
            continue
        responses[status] = {"description": why, "content": error}
    out["responses"] = responses
    return out


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"},
        }
        for name in op.path_params
    ]
    if op.query is None:
        return params
    schema = op.query.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if prop.get("type") == "array" or any(
            p.get("type") == "array" for p in prop.get("anyOf", [])
        ):
            param["style"], param["explode"] = "form", False
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params
