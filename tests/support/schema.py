"""Validate responses against the official spec: each success body against the operation's
response schema, each error body against Twilio's error envelope."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jsonschema

from callbox.api.router import Router, split_format
from callbox.spec import load_v2010

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "more_info": {"type": "string"},
        "status": {"type": "integer"},
    },
}


def _to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a null alternative."""
    if isinstance(node, dict):
        out = {k: _to_jsonschema(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable"):
            if "$ref" in out:
                return {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
            if "type" in out:
                out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        return out
    if isinstance(node, list):
        return [_to_jsonschema(v) for v in node]
    return node


@lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    return _to_jsonschema(load_v2010().document["components"])


@lru_cache(maxsize=1)
def _router() -> Router:
    return Router(load_v2010())


class ResponseValidator:
    def __init__(self) -> None:
        self.checked = 0

    def operation(self, method: str, path: str) -> Any:
        base, _, _ = split_format(path)
        match = _router().match(base)
        return match.methods.get(method.upper()) if match else None

    def validate(self, method: str, path: str, status: int, body: Any) -> None:
        if status >= 400:
            jsonschema.validate(body, ERROR_SCHEMA)
            self.checked += 1
            return
        op = self.operation(method, path)
        assert op is not None, f"no operation for {method} {path}"
        assert status == op.success_status, f"{op.operation_id}: status {status}"
        raw = load_v2010().document["paths"][op.path][op.method.lower()]
        content = raw["responses"][str(status)].get("content", {}).get("application/json")
        if content is None:
            return
        schema = dict(_to_jsonschema(content["schema"]))
        schema["components"] = _components()
        jsonschema.Draft7Validator(schema).validate(body)
        if op.list_key:
            meta = set(body) - {op.list_key}
            assert meta <= {"end", "first_page_uri", "next_page_uri", "page", "page_size",
                            "previous_page_uri", "start", "uri"}, meta
        self.checked += 1
