"""The OpenAPI document: served without a token, well formed, and exactly the routes."""

from __future__ import annotations

import re
from typing import Any

from ivr.domain.api_scopes import SCOPES
from ivr.web.api.openapi import DOCUMENT
from ivr.web.api.routes import api_app
from tests.api.conftest import Api

METHODS = {"get", "put", "post", "delete", "patch"}


def test_every_route_is_documented_and_every_documented_path_routed() -> None:
    routed = {
        (route.method.lower(), route.resource.canonical)
        for route in api_app().router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    documented = {
        (method, path) for path, operations in DOCUMENT["paths"].items() for method in operations
    }
    assert routed == documented


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def test_structure() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    assert DOCUMENT["info"]["title"] and DOCUMENT["info"]["version"]
    assert DOCUMENT["servers"] == [{"url": "/api/v1"}]
    components = DOCUMENT["components"]
    assert components["securitySchemes"]["bearer"] == {
        **components["securitySchemes"]["bearer"],
        "type": "http",
        "scheme": "bearer",
    }
    for ref in refs(DOCUMENT):
        match = re.fullmatch(r"#/components/(schemas|responses)/(\w+)", ref)
        assert match, ref
        assert match[2] in components[match[1]], ref
    operation_ids = []
    for path, operations in DOCUMENT["paths"].items():
        assert path.startswith("/")
        for method, operation in operations.items():
            assert method in METHODS
            operation_ids.append(operation["operationId"])
            assert operation["summary"]
            assert any(status.startswith("2") for status in operation["responses"])
            in_path = set(re.findall(r"{(\w+)}", path))
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert in_path == declared, (path, method)
            for requirement in operation["security"]:
                assert set(requirement) == {"bearer"}
                assert set(requirement["bearer"]) <= set(SCOPES)
            if operation["security"]:
                assert {"401", "403"} <= set(operation["responses"]), (path, method)
            if "requestBody" in operation:
                assert "400" in operation["responses"], (path, method)
    assert len(operation_ids) == len(set(operation_ids))


async def test_served_without_a_token(api: Api) -> None:
    response = await api.call("GET", "/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == DOCUMENT
