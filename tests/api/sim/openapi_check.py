"""Validate `/sim/v1` responses against the OpenAPI 3.1 document the server serves: the
path and method must be documented, the status listed for that operation (or a 5xx under
`default`), the body valid against its JSON Schema (2020-12, as OpenAPI 3.1 uses)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import jsonschema


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    return re.compile("^" + "".join(
        "[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


@dataclass
class OpenApiValidator:
    document: dict[str, Any]
    checked: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._paths = [(_template_regex(t), t) for t in self.document["paths"]]

    def operation(self, method: str, path: str) -> tuple[str | None, dict[str, Any] | None]:
        for regex, template in self._paths:
            if regex.match(path):
                return template, self.document["paths"][template].get(method.lower())
        return None, None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def validate_body(self, schema: dict[str, Any], body: Any) -> None:
        root = {**schema, "components": self.document["components"]}
        jsonschema.Draft202012Validator(root).validate(body)

    def validate(self, response: httpx.Response) -> None:
        request = response.request
        path = request.url.path
        method = request.method
        status = response.status_code
        assert response.headers.get("twilio-request-id", "").startswith("RQ"), path
        template, op = self.operation(method, path)
        responses: dict[str, Any]
        if template is None:  # an unknown path: 404 (401 first without credentials)
            assert status in (401, 404), (method, path, status)
            responses = {str(status): {"$ref": f"#/components/responses/E{status}"}}
        elif op is None:  # an undocumented method on a documented path
            assert status in (401, 405), (method, path, status)
            responses = {str(status): {"$ref": f"#/components/responses/E{status}"}}
        else:
            responses = op["responses"]
        key = str(status)
        # `default` (500) is documented, but a test that gets one has found a bug
        assert key in responses, f"{method} {template}: status {status} is not documented"
        spec = self._resolve(responses[key])
        for name, header in spec.get("headers", {}).items():
            if self._resolve(header).get("required"):
                assert name.lower() in response.headers, (
                    f"{method} {template}: {status} lacks the {name} header")
        content = spec.get("content")
        if content is None:
            assert not response.content, f"{method} {template}: {status} has a body"
        else:
            assert response.headers["content-type"].startswith("application/json")
            self.validate_body(content["application/json"]["schema"], response.json())
        self.checked.append((method, template, status))
