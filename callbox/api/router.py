"""Paths to operations, from the spec. Format extensions are stripped before matching:
`/…/Messages/SM….csv` matches `/…/Messages/{Sid}.json` with format csv."""

from __future__ import annotations

from dataclasses import dataclass, field

from callbox.spec.loader import Operation, Spec

__all__ = ["Match", "Router", "split_format"]

FORMATS = {".json": "json", ".xml": "xml", ".csv": "csv", ".html": "html"}


def split_format(path: str) -> tuple[str, str, str]:
    """(path without extension, format, extension as given); XML when there is none."""
    dot = path.rfind(".")
    if dot > path.rfind("/"):
        ext = path[dot:]
        fmt = FORMATS.get(ext.lower())
        if fmt:
            return path[:dot], fmt, ext
    return path, "xml", ""


@dataclass(slots=True)
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    names: tuple[str, ...] = ()
    methods: dict[str, Operation] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Match:
    methods: dict[str, Operation]
    params: dict[str, str]


class Router:
    def __init__(self, spec: Spec) -> None:
        self._root = _Node()
        self._cache: dict[str, Match | None] = {}
        for op in spec.operations.values():
            node = self._root
            template = op.path[: -len(".json")] if op.path.endswith(".json") else op.path
            names: list[str] = []
            for segment in template.strip("/").split("/"):
                if segment.startswith("{") and segment.endswith("}"):
                    names.append(segment[1:-1])
                    if node.param is None:
                        node.param = _Node()
                    node = node.param
                else:
                    node = node.literal.setdefault(segment, _Node())
            node.methods[op.method] = op
            node.names = tuple(names)

    def match(self, path: str) -> Match | None:
        hit = self._cache.get(path)
        if hit is None:
            hit = self._match(path)
            if len(self._cache) >= 4096:
                self._cache.clear()
            self._cache[path] = hit
        return hit

    def _match(self, path: str) -> Match | None:
        values: list[str] = []
        node = self._root
        for segment in path.strip("/").split("/"):
            nxt = node.literal.get(segment)
            if nxt is None:
                if node.param is None or not segment or "\x00" in segment:
                    return None
                values.append(segment)
                nxt = node.param
            node = nxt
        if not node.methods:
            return None
        return Match(node.methods, dict(zip(node.names, values, strict=True)))
