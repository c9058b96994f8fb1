"""Small readers over synthesised CloudFormation templates (plain dicts)."""

from __future__ import annotations

from typing import Any

# The context the session's app is synthesised with.
TENANTS = ["acme", "globex"]
CONTEXT = {"wandr:tenants": TENANTS, "wandr:alarmEmail": "ops@example.com"}


def resources_of(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def policy_statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(resource logical id, statement) for every IAM statement in a template."""
    found = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        docs = []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            docs.append(props["PolicyDocument"])
        if resource["Type"] == "AWS::IAM::Role":
            docs.extend(p["PolicyDocument"] for p in props.get("Policies", []))
        for doc in docs:
            found.extend((logical_id, st) for st in doc["Statement"])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
