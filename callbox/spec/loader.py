"""Load an OpenAPI 3 document into `Operation`s keyed by operationId.

Only what the wire layer needs is kept: method, path template, typed parameters
(path, query and form body), the success status, the response schema and the
`x-twilio` extensions (pathType, dependentProperties, conditional groups).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

__all__ = ["Operation", "Param", "Spec", "load_v2010", "spec_path"]

_PAGING_KEYS = frozenset(
    {
        "end",
        "first_page_uri",
        "next_page_uri",
        "last_page_uri",
        "page",
        "page_size",
        "previous_page_uri",
        "total",
        "num_pages",
        "start",
        "uri",
    }
)


@dataclass(frozen=True, slots=True)
class Param:
    """One request parameter with the type information the parser needs."""

    name: str
    location: str  # path | query | body
    type: str  # string | integer | number | boolean | array
    format: str | None = None
    enum: tuple[str, ...] | None = None
    item_type: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str  # spec path, e.g. /2010-04-01/Accounts/{AccountSid}/Messages.json
    path_params: tuple[str, ...]
    query: dict[str, Param]
    body: dict[str, Param]
    success_status: int
    response_schema: dict[str, Any] | None
    response_schema_name: str | None
    path_type: str | None  # list | instance
    list_key: str | None
    # subresource name -> (resource_url template, {template field: record field})
    dependent: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    conditional: tuple[tuple[str, ...], ...] = ()

    @property
    def is_list(self) -> bool:
        return self.list_key is not None


class Spec:
    """Every operation of one OpenAPI document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
        self.operations: dict[str, Operation] = {}
        self._subresources: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        for path, item in document.get("paths", {}).items():
            x_path = item.get("x-twilio", {}) or {}
            for method, raw in item.items():
                if not isinstance(raw, dict) or "operationId" not in raw:
                    continue
                op = self._operation(path, method.upper(), raw, x_path)
                self.operations[op.operation_id] = op

    def resolve(self, schema: dict[str, Any] | None) -> dict[str, Any]:
        while schema and "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema or {}

    def _param(self, name: str, location: str, schema: dict[str, Any], required: bool) -> Param:
        schema = self.resolve(schema)
        items = self.resolve(schema.get("items")) if schema.get("type") == "array" else {}
        enum = schema.get("enum") or items.get("enum")
        return Param(
            name=name,
            location=location,
            type=schema.get("type") or "string",
            format=schema.get("format") or items.get("format"),
            enum=tuple(enum) if enum else None,
            item_type=items.get("type") if items else None,
            minimum=schema.get("minimum"),
            maximum=schema.get("maximum"),
            pattern=schema.get("pattern"),
            required=required,
        )

    def _operation(
        self, path: str, method: str, raw: dict[str, Any], x_path: dict[str, Any]
    ) -> Operation:
        path_params: list[str] = []
        query: dict[str, Param] = {}
        for prm in raw.get("parameters", []):
            if prm["in"] == "path":
                path_params.append(prm["name"])
            elif prm["in"] == "query":
                query[prm["name"]] = self._param(
                    prm["name"], "query", prm.get("schema", {}), prm.get("required", False)
                )
        body: dict[str, Param] = {}
        content = (raw.get("requestBody") or {}).get("content", {})
        form = content.get("application/x-www-form-urlencoded")
        if form:
            schema = self.resolve(form.get("schema"))
            required = set(schema.get("required", []))
            for name, prop in schema.get("properties", {}).items():
                body[name] = self._param(name, "body", prop, name in required)
        status = min(int(code) for code in raw.get("responses", {"200": None}) if code.isdigit())
        response = raw["responses"].get(str(status), {}) or {}
        schema_ref = ((response.get("content") or {}).get("application/json") or {}).get(
            "schema"
        )
        schema_name = None
        if schema_ref and "$ref" in schema_ref:
            schema_name = schema_ref["$ref"].rsplit("/", 1)[1]
        resolved = self.resolve(schema_ref) if schema_ref else None
        list_key = None
        if x_path.get("pathType") == "list" and method == "GET" and resolved:
            keys = [k for k in resolved.get("properties", {}) if k not in _PAGING_KEYS]
            if len(keys) == 1:
                list_key = keys[0]
        dependent = {
            name: (dep["resource_url"], dict(dep.get("mapping", {})))
            for name, dep in (x_path.get("dependentProperties") or {}).items()
        }
        conditional = tuple(
            tuple(group) for group in (raw.get("x-twilio", {}) or {}).get("conditional", [])
        )
        return Operation(
            operation_id=raw["operationId"],
            method=method,
            path=path,
            path_params=tuple(path_params),
            query=query,
            body=body,
            success_status=status,
            response_schema=resolved,
            response_schema_name=schema_name,
            path_type=x_path.get("pathType"),
            list_key=list_key,
            dependent=dependent,
            conditional=conditional,
        )

    def subresource_uris(self, operation_id: str, record: dict[str, Any]) -> dict[str, str]:
        """`subresource_uris` of a record, from the path's `x-twilio.dependentProperties`."""
        plan = self._subresources.get(operation_id)
        if plan is None:
            plan = []
            for name, (template, mapping) in self.operations[operation_id].dependent.items():
                fields = tuple(mapping)
                positional = template
                for i, field_name in enumerate(fields):
                    positional = positional.replace("{" + field_name + "}", "{" + str(i) + "}")
                plan.append((name, positional, tuple(mapping[f] for f in fields)))
            self._subresources[operation_id] = plan
        return {name: fmt.format(*[record[f] for f in fields]) for name, fmt, fields in plan}

    def item_schema_name(self, op: Operation) -> str | None:
        """The schema name of one record of a list operation (`api.v2010.account.message`)."""
        if not op.list_key or not op.response_schema:
            return op.response_schema_name
        items = op.response_schema["properties"][op.list_key].get("items", {})
        ref = items.get("$ref")
        return ref.rsplit("/", 1)[1] if ref else None


def spec_path(name: str = "twilio_api_v2010.json") -> Path:
    """Where a reference spec lives: `$CALLBOX_SHARED/reference`, else `../shared` beside
    the checkout, else the copy bundled in the package."""
    candidates = []
    env = os.environ.get("CALLBOX_SHARED")
    if env:
        candidates.append(Path(env) / "reference" / name)
    here = Path(__file__).resolve()
    candidates.append(here.parents[3] / "shared" / "reference" / name)
    candidates.append(here.parent / "data" / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"OpenAPI document {name} not found in {candidates}")


@lru_cache(maxsize=1)
def load_v2010() -> Spec:
    return Spec(orjson.loads(spec_path().read_bytes()))
