"""One JSON-shaped result, four wire formats.

    render(Shape, data, fmt) ─┬─ json  orjson
                              ├─ xml   <TwilioResponse><Message><AccountSid>…   (the default)
                              ├─ csv   header row + one row per record
                              └─ html  a table per record list

`Shape` names the XML elements, derived once per operation from the spec by one rule:
snake_case keys become PascalCase elements (`account_sid` → `AccountSid`), a record is
named after its schema (`api.v2010.account.message` → `Message`), a list after its key
(`messages` → `Messages`) with the paging fields as lowercase attributes. Null is an empty
element. Errors are a `RestException` record. Handlers never write markup.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson

__all__ = ["MEDIA_TYPES", "Shape", "pascal", "render", "render_error"]

MEDIA_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "csv": "text/csv",
    "html": "text/html",
}

PAGING_FIELDS = (
    "page",
    "page_size",
    "start",
    "end",
    "uri",
    "first_page_uri",
    "next_page_uri",
    "previous_page_uri",
)


@dataclass(frozen=True, slots=True)
class Shape:
    record: str  # XML element of one record: "Message"
    list_key: str | None = None  # JSON key of a list page: "messages"
    columns: tuple[str, ...] = ()  # CSV/HTML columns when there is no record to look at

    @property
    def list_element(self) -> str:
        return pascal(self.list_key or "")


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


# XML -----------------------------------------------------------------------------------------
def _xml_value(out: list[str], name: str, value: Any) -> None:
    if value is None or value == "" or value == [] or value == {}:
        out.append(f"<{name}/>")
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key, item in value.items():
            _xml_value(out, pascal(key), item)
        out.append(f"</{name}>")
    elif isinstance(value, list):
        out.append(f"<{name}>")
        child = name[:-1] if name.endswith("s") else name
        for item in value:
            _xml_value(out, child, item)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{escape(_text(value))}</{name}>")


def _xml(shape: Shape, data: dict[str, Any] | None) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<TwilioResponse>"]
    if data is not None:
        if shape.list_key is not None:
            attrs = "".join(
                f" {field.replace('_', '')}={quoteattr(_text(data.get(field)))}"
                for field in PAGING_FIELDS
            )
            out.append(f"<{shape.list_element}{attrs}>")
            for record in data.get(shape.list_key, []):
                _xml_value(out, shape.record, record)
            out.append(f"</{shape.list_element}>")
        else:
            _xml_value(out, shape.record, data)
    out.append("</TwilioResponse>")
    return "".join(out).encode()


# CSV -----------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return _text(value)


def _records(shape: Shape, data: dict[str, Any]) -> list[dict[str, Any]]:
    if shape.list_key is not None:
        return list(data.get(shape.list_key, []))
    return [data]


def _columns(shape: Shape, records: list[dict[str, Any]]) -> list[str]:
    columns: dict[str, None] = dict.fromkeys(shape.columns) if not records else {}
    for record in records:
        for key in record:
            columns.setdefault(key, None)
    return list(columns)


def _csv(shape: Shape, data: dict[str, Any] | None) -> bytes:
    if data is None:
        return b""
    records = _records(shape, data)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = _columns(shape, records)
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record.get(col)) for col in columns])
    return buffer.getvalue().encode()


# HTML ----------------------------------------------------------------------------------------
def _html(shape: Shape, data: dict[str, Any] | None) -> bytes:
    title = shape.list_element if shape.list_key else shape.record
    out = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if data is not None:
        records = _records(shape, data)
        columns = _columns(shape, records)
        out.append("<table><thead><tr>")
        out.extend(f"<th>{html.escape(col)}</th>" for col in columns)
        out.append("</tr></thead><tbody>")
        for record in records:
            out.append("<tr>")
            out.extend(f"<td>{html.escape(_cell(record.get(col)))}</td>" for col in columns)
            out.append("</tr>")
        out.append("</tbody></table>")
        if shape.list_key is not None:
            out.append("<dl>")
            for field in PAGING_FIELDS:
                out.append(
                    f"<dt>{html.escape(field)}</dt><dd>{html.escape(_text(data.get(field)))}</dd>"
                )
            out.append("</dl>")
    out.append("</body></html>")
    return "".join(out).encode()


def render(shape: Shape, data: dict[str, Any] | None, fmt: str) -> tuple[bytes, str]:
    """The body and its media type."""
    if fmt == "json":
        body = b"" if data is None else orjson.dumps(data)
    elif fmt == "csv":
        body = _csv(shape, data)
    elif fmt == "html":
        body = _html(shape, data)
    else:
        body = _xml(shape, data)
    return body, MEDIA_TYPES.get(fmt, MEDIA_TYPES["xml"])


_ERROR = Shape("RestException", columns=("code", "message", "more_info", "status"))


def render_error(error: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    return render(_ERROR, error, fmt)
