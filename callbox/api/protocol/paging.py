"""2010 list paging: `Page`, `PageSize`, `PageToken` in; the list envelope out.

PageToken is opaque to clients: `PA` (records after) or `PB` (records before) and the
base64url of `[date_created µs, sid]` of the record at the page edge. A token page is a
keyset range scan, so its cost does not grow with depth.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson

from callbox.core.clock import from_micros, to_micros
from callbox.core.entities import Page
from callbox.core.errors import InvalidParameter
from callbox.core.ports import Cursor

__all__ = ["PageRequest", "decode_token", "encode_token", "list_envelope", "page_request"]

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_OFFSET = 2**63 - 1 - MAX_PAGE_SIZE
PAGING_PARAMS = frozenset({"Page", "PageSize", "PageToken"})


@dataclass(frozen=True, slots=True)
class PageRequest:
    size: int
    number: int
    cursor: Cursor | None


def encode_token(record: Any, backward: bool) -> str:
    raw = orjson.dumps([to_micros(record.date_created), record.sid])
    return ("PB" if backward else "PA") + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> Cursor:
    try:
        if token[:2] not in ("PA", "PB"):
            raise ValueError(token)
        raw = token[2:]
        micros, sid = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(micros, int) or not isinstance(sid, str):
            raise ValueError(token)
        return Cursor(from_micros(micros), sid, backward=token.startswith("PB"))
    except (ValueError, TypeError, OverflowError, orjson.JSONDecodeError):
        raise InvalidParameter("Invalid PageToken", field="PageToken") from None


def page_request(params: dict[str, Any]) -> PageRequest:
    size = min(int(params.get("PageSize") or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    number = int(params.get("Page") or 0)
    token = params.get("PageToken")
    if token:
        cursor: Cursor | None = decode_token(token)
    elif number > 0:
        if number * size > MAX_OFFSET:
            raise InvalidParameter("Invalid value for Page: too large", field="Page")
        cursor = Cursor(from_micros(0), "", offset=number * size)
    else:
        cursor = None
    return PageRequest(size, number, cursor)


def list_envelope(
    key: str,
    page: Page[T],
    render: Callable[[T], dict[str, Any]],
    req: PageRequest,
    path: str,
    filters: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """The 2010 list body: exactly one record key plus the paging fields (twilio-python
    requires that), with relative URIs."""
    kept = [(k, v) for k, v in filters if k not in PAGING_PARAMS]

    def uri(number: int, token: str | None) -> str:
        query = [*kept, ("PageSize", str(req.size)), ("Page", str(number))]
        if token:
            query.append(("PageToken", token))
        return f"{path}?{urlencode(query)}"

    records = page.records
    cursor = req.cursor
    backward = cursor is not None and cursor.backward
    has_next = bool(records) and (backward or page.has_more)
    prev_uri = None
    if cursor is not None and records:
        if not cursor.sid:
            prev_uri = uri(req.number - 1, None) if req.number > 0 else None
        elif page.has_more or not backward:
            prev_uri = uri(max(req.number - 1, 0), encode_token(records[0], True))
    start = req.number * req.size
    return {
        key: [render(r) for r in records],
        "end": start + len(records) - 1 if records else start,
        "first_page_uri": uri(0, None),
        "next_page_uri": uri(req.number + 1, encode_token(records[-1], False))
        if has_next
        else None,
        "page": req.number,
        "page_size": req.size,
        "previous_page_uri": prev_uri,
        "start": start,
        "uri": uri(req.number, None) if req.cursor is None else f"{path}?{urlencode(filters)}",
    }
