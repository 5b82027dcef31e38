"""Typed request parameters from the query string and the form body, by the operation's
OpenAPI schema.

Decided once, here:
- names are case-sensitive, as Twilio's are; names the operation does not declare are
  ignored (Twilio ignores unknown parameters);
- a repeated key is a list for `array` parameters; for scalars the first value wins;
- integers, numbers, booleans (`true`/`false`, any case) and enums are checked, and a value
  that does not fit is a 400 (code 20001) naming the parameter;
- `date` and `date-time` accept YYYY-MM-DD (kept as a `date`), ISO 8601 and RFC 2822
  (aware UTC `datetime`);
- an empty value is kept as "" for plain strings (Body="" redacts) and is "absent" for
  every other type, dates included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from callbox.api.protocol.dates import parse_date_or_datetime
from callbox.core.errors import BadRequest, InvalidParameter
from callbox.spec.loader import Operation, Param

__all__ = ["parse_form", "parse_params"]

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


_HEX: dict[bytes, bytes] = {}
for _i in range(256):
    _lo, _up = f"{_i:02x}", f"{_i:02X}"
    for _pair in {_lo, _up, _lo[0] + _up[1], _up[0] + _lo[1]}:
        _HEX[_pair.encode()] = bytes([_i])


def _unquote(piece: bytes) -> str:
    """Percent-decoding as urllib's unquote_to_bytes does it (a `%` not followed by two
    hex digits stays as it is), with a table instead of per-character work."""
    if b"+" in piece:
        piece = piece.replace(b"+", b" ")
    if b"%" in piece:
        parts = piece.split(b"%")
        out = [parts[0]]
        for part in parts[1:]:
            byte = _HEX.get(part[:2])
            if byte is None:
                out.append(b"%")
                out.append(part)
            else:
                out.append(byte)
                out.append(part[2:])
        piece = b"".join(out)
    return piece.decode("utf-8")


def parse_form(body: bytes, what: str = "request body") -> list[tuple[str, str]]:
    """application/x-www-form-urlencoded (also query strings), strict UTF-8; blank values
    are kept (`Body=` redacts)."""
    if not body:
        return []
    try:
        pairs = []
        for field in body.split(b"&"):
            if not field:
                continue
            name, _, value = field.partition(b"=")
            pairs.append((_unquote(name), _unquote(value)))
        return pairs
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The {what} is not valid form-urlencoded UTF-8", code=20001) from exc


_INT64 = (-(2**63), 2**63 - 1)


def _convert(param: Param, raw: str, kind: str | None = None) -> Any:
    kind = kind or param.type
    if "\x00" in raw:
        raise InvalidParameter(f"Invalid value for {param.name}: NUL characters are not allowed",
                               field=param.name)
    if kind == "string":
        if param.format in ("date-time", "date") and raw != "":
            try:
                return parse_date_or_datetime(raw)
            except (ValueError, OverflowError):
                raise InvalidParameter(
                    f"Invalid value for {param.name}: {raw!r} is not a date", field=param.name
                ) from None
        if param.enum and raw not in param.enum:
            raise InvalidParameter(
                f"Invalid value for {param.name}: {raw!r}; expected one of "
                + ", ".join(param.enum),
                field=param.name,
            )
        return raw
    if kind == "integer":
        try:
            value: Any = int(raw)
            if not _INT64[0] <= value <= _INT64[1]:
                raise ValueError(raw)
        except ValueError:
            raise InvalidParameter(
                f"Invalid value for {param.name}: {raw!r} is not an integer", field=param.name
            ) from None
    elif kind == "number":
        try:
            value = float(raw)
        except ValueError:
            raise InvalidParameter(
                f"Invalid value for {param.name}: {raw!r} is not a number", field=param.name
            ) from None
    elif kind == "boolean":
        lowered = raw.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise InvalidParameter(
            f"Invalid value for {param.name}: {raw!r} is not a boolean", field=param.name
        )
    else:
        return raw
    if param.minimum is not None and value < param.minimum:
        raise InvalidParameter(
            f"Invalid value for {param.name}: must be at least {param.minimum:g}", field=param.name
        )
    if param.maximum is not None and value > param.maximum:
        raise InvalidParameter(
            f"Invalid value for {param.name}: must be at most {param.maximum:g}", field=param.name
        )
    return value


def _typed(schema: dict[str, Param], pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, raw in pairs:
        param = schema.get(name)
        if param is None:
            continue
        if param.type == "array":
            if raw == "" and param.item_type != "string":
                continue
            out.setdefault(name, []).append(_convert(param, raw, param.item_type or "string"))
            continue
        if name in out:
            continue
        if raw == "" and (param.type != "string" or param.format in ("date", "date-time")):
            continue
        out[name] = _convert(param, raw)
    return out


def parse_params(
    op: Operation, query: Iterable[tuple[str, str]], form: Iterable[tuple[str, str]]
) -> dict[str, Any]:
    """Query parameters, then body parameters (body wins on a clash)."""
    params = _typed(op.query, query)
    if op.body:
        params.update(_typed(op.body, form))
    return params
