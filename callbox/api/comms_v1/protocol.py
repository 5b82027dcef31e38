"""The Communications API's wire conventions: the `errors` array, JSON bodies, cursor
paging (`pageSize`/`pageToken`, `pagination`), ISO timestamps with milliseconds, tags."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson

from callbox.api.sim.asgi import SimRequest
from callbox.core.clock import from_micros, to_micros
from callbox.core.entities import Page
from callbox.core.errors import (
    CallboxError,
    InvalidParameter,
    UnsupportedMediaType,
    ValidationFailed,
    more_info,
)
from callbox.core.ports import Cursor
from callbox.core.tags import tags_value

__all__ = [
    "ValidationFailed",
    "body_object",
    "comms_error",
    "iso",
    "list_body",
    "page_params",
    "tags_value",
]

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def comms_error(exc: CallboxError) -> dict[str, Any]:
    problems = exc.problems if isinstance(exc, ValidationFailed) else [
        (exc.code, exc.message, exc.field)]
    return {"errors": [{"code": code, "message": message, "field": field,
                        "more_info": more_info(code)} for code, message, field in problems]}


def iso(value: datetime) -> str:
    """2026-11-24T10:00:00.123Z"""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{value.microsecond // 1000:03d}Z"


def parse_iso(raw: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(f"{name} must be an ISO 8601 date-time such as "
                               "2026-11-24T10:00:00Z", field=name) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def body_object(req: SimRequest) -> dict[str, Any]:
    """The JSON object a write sends (this API takes JSON only)."""
    if req.content_type != "application/json":
        raise UnsupportedMediaType("Content-Type must be application/json")
    try:
        data = orjson.loads(req.body)
    except orjson.JSONDecodeError as exc:
        raise InvalidParameter(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidParameter("The request body must be a JSON object")
    if b"\\u0000" in req.body:  # cheap test first: JSON can only carry NUL escaped
        where = _nul_at(data)
        if where is not None:
            raise InvalidParameter("Text must not contain the NUL character (\\u0000)",
                                   field=where)
    return data


def _nul_at(data: Any) -> str | None:
    """The JSON path of the first key or string holding a NUL character (no database
    stores one as text: PostgreSQL refuses it), or None."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                here = f"{path}.{key}" if path else key
                if "\x00" in key:
                    return here.replace("\x00", "\\u0000")
                stack.append((here, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return None


# paging ---------------------------------------------------------------------------------------
def _token(created_us: int, sid: str, backward: bool = False) -> str:
    raw = orjson.dumps([created_us, sid, 1 if backward else 0])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FIRST = _token(0, "")


def _cursor(token: str) -> Cursor | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        created_us, sid, backward = orjson.loads(raw)
        if not isinstance(created_us, int) or not isinstance(sid, str) or len(sid) > 64:
            raise ValueError
        at = from_micros(created_us)  # OverflowError beyond the years 1..9999
    except (ValueError, binascii.Error, TypeError, OverflowError, orjson.JSONDecodeError):
        raise InvalidParameter("pageToken is not a token this API returned",
                               field="pageToken") from None
    if not sid:
        return None
    return Cursor(at, sid, backward=bool(backward))


def _query(req: SimRequest, *names: str) -> str | None:
    for name in names:
        value = req.query_value(name)
        if value is not None:
            return value
    return None


def page_params(req: SimRequest) -> tuple[int, Cursor | None, str]:
    """(page size, cursor, the token of this page)."""
    raw = _query(req, "pageSize", "page_size", "PageSize")
    size = DEFAULT_PAGE_SIZE
    if raw not in (None, ""):
        try:
            size = int(raw)
        except ValueError:
            raise InvalidParameter("pageSize must be an integer", field="pageSize") from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise InvalidParameter(f"pageSize must be between 1 and {MAX_PAGE_SIZE}",
                                   field="pageSize")
    token = _query(req, "pageToken", "page_token", "PageToken") or FIRST
    return size, _cursor(token), token


def list_body(req: SimRequest, key: str, page: Page[T], render: Callable[[T], Any],
              position: Callable[[T], tuple[datetime, str]], size: int, cursor: Cursor | None,
              token: str) -> dict[str, Any]:
    """`{key: [...], "pagination": {...}}`; next/previous are keyset tokens."""
    records = page.records
    backward = cursor is not None and cursor.backward
    more_after = page.has_more if not backward else True
    more_before = (cursor is not None) if not backward else page.has_more
    nxt = prev = None
    if records and more_after:
        created, sid = position(records[-1])
        nxt = _token(to_micros(created), sid)
    if records and more_before:
        created, sid = position(records[0])
        prev = _token(to_micros(created), sid, backward=True)
    keep = [(k, v) for k, v in req.query
            if k not in ("pageToken", "page_token", "PageToken", "pageSize", "page_size",
                         "PageSize")]

    def url(tok: str | None) -> str | None:
        if tok is None:
            return None
        return req.path + "?" + urlencode([*keep, ("pageSize", str(size)), ("pageToken", tok)])

    return {
        key: [render(r) for r in records],
        "pagination": {"self": token, "next": nxt, "previous": prev, "selfUrl": url(token),
                       "nextUrl": url(nxt), "previousUrl": url(prev)},
    }
