"""The 2010 request pipeline, in order:

    request ─► format (.json/.xml/.csv/.html, XML when none)
            ─► authenticate (Basic: Account SID + Auth Token, or API Key + Secret)
            ─► route (spec path + method → Operation; 404 / 405)
            ─► account (the path's account: own or a subaccount, else 404)
            ─► read body (size cap → 413) and parse params by the operation's schema
            ─► dispatch (provider method named after the operationId; 501 when absent)
            ─► serialize (one JSON-shaped dict → the requested format)
    any CallboxError ─► Twilio's error envelope in the requested format
    any other error  ─► 500 / 20500 with a request id, logged with its traceback
"""

from __future__ import annotations

import base64
import binascii
import logging

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from callbox.api.context import RequestContext
from callbox.api.protocol.body import read_body
from callbox.api.protocol.parser import parse_form, parse_params
from callbox.api.protocol.serializers import Shape, pascal, render, render_error
from callbox.api.router import Router, split_format
from callbox.api.v2010 import OPERATIONS, V2010Api
from callbox.core.errors import (
    AuthenticationFailed,
    BadRequest,
    CallboxError,
    InternalError,
    MethodNotAllowed,
    ResourceNotFound,
    UnsupportedMediaType,
)
from callbox.services import Services
from callbox.spec.loader import Operation, Spec

__all__ = ["V2010Chain"]

log = logging.getLogger("callbox.api")

_RECORD_NAMES = {"new_key": "Key", "message_feedback": "Feedback"}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_WWW_AUTHENTICATE = (b"www-authenticate", b'Basic realm="Twilio API"')
_CONTENT_TYPES = {
    "application/json": b"application/json",
    "application/xml": b"application/xml; charset=utf-8",
    "text/csv": b"text/csv; charset=utf-8",
    "text/html": b"text/html; charset=utf-8",
}


def _shape(spec: Spec, op: Operation) -> Shape:
    name = spec.item_schema_name(op) or op.response_schema_name or "Resource"
    last = name.rsplit(".", 1)[-1]
    columns = tuple(spec.resolve(spec.schemas.get(name, {})).get("properties", {}))
    return Shape(_RECORD_NAMES.get(last, pascal(last)), op.list_key, columns)


class V2010Chain:
    def __init__(self, spec: Spec, services: Services, provider: V2010Api, *,
                 max_body: int) -> None:
        self.spec = spec
        self.router = Router(spec)
        self.services = services
        self.provider = provider
        self.max_body = max_body
        self.shapes = {op_id: _shape(spec, op) for op_id, op in spec.operations.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An ASGI app of its own: the hot path touches scope, receive and send directly."""
        base, fmt, ext = split_format(scope["path"])
        request_id = "RQ" + self.services.sids("")
        headers = [(b"twilio-request-id", request_id.encode())]
        try:
            status, body, media_type = await self._handle(
                scope, receive, base, fmt, ext, request_id, headers
            )
        except CallboxError as exc:
            if exc.status == 401:
                headers.append(_WWW_AUTHENTICATE)
            status = exc.status
            body, media_type = render_error(exc.to_dict(), fmt)
        except Exception:
            log.exception("unhandled error, request id %s: %s %s", request_id, scope["method"],
                          scope["path"])
            error = InternalError(f"Internal Server Error (request id {request_id})")
            status = error.status
            body, media_type = render_error(error.to_dict(), fmt)
        if status != 204:
            headers.append((b"content-type", _CONTENT_TYPES[media_type]))
            headers.append((b"content-length", str(len(body)).encode()))
        if scope["method"] == "HEAD" or status == 204:
            body = b""
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Receive, base: str, fmt: str, ext: str,
                      request_id: str, headers: list[tuple[bytes, bytes]]
                      ) -> tuple[int, bytes, str]:
        request_headers = _headers(scope)
        accounts = self.services.accounts
        principal = await accounts.authenticate(*_basic(request_headers.get(b"authorization")))
        uri = base + ext
        match = self.router.match(base)
        if match is None:
            raise ResourceNotFound(uri)
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        op = match.methods.get(method)
        if op is None:
            headers.append((b"allow", ", ".join(sorted(match.methods)).encode()))
            raise MethodNotAllowed(f"Method {scope['method']} not allowed for {uri}")
        account_sid = match.params.get("AccountSid")
        if account_sid is None and op.path.startswith("/2010-04-01/Accounts/{Sid}"):
            account_sid = match.params["Sid"]
        account = await accounts.target(principal, account_sid or principal.account.sid, uri)
        form: list[tuple[str, str]] = []
        if method in _BODY_METHODS:
            form = await self._form(scope, receive, request_headers)
        raw_query = scope.get("query_string", b"")
        query = parse_form(raw_query, "query string") if raw_query else []
        params = parse_params(op, query, form)
        ctx = RequestContext(
            op=op, services=self.services, principal=principal, account=account,
            path_params=match.params, params=params, query=query,
            path=base, ext=ext, request_id=request_id,
        )
        data = await getattr(self.provider, OPERATIONS[op.operation_id])(ctx)
        status = ctx.status or op.success_status
        if status == 204:
            return 204, b"", ""
        body, media_type = render(self.shapes[op.operation_id], data, fmt)
        return status, body, media_type

    async def _form(self, scope: Scope, receive: Receive, request_headers: dict[bytes, bytes]
                    ) -> list[tuple[str, str]]:
        body = await read_body(receive, request_headers.get(b"content-length"), self.max_body)
        ctype = request_headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if ctype in (b"", b"application/x-www-form-urlencoded"):
            return parse_form(body)
        if ctype == b"multipart/form-data":
            return await _multipart(scope, body)
        if not body:
            return []
        raise UnsupportedMediaType(
            f"Content-Type {ctype.decode('latin-1')} is not accepted: send "
            "application/x-www-form-urlencoded or multipart/form-data"
        )


def _basic(header: bytes | None) -> tuple[str, str]:
    if not header or header[:6].lower() != b"basic ":
        raise AuthenticationFailed()
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed() from None
    username, _, password = decoded.partition(":")
    return username, password


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name: value for name, value in scope["headers"]}


async def _multipart(scope: Scope, body: bytes) -> list[tuple[str, str]]:
    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    request = Request(scope, replay)
    try:
        form: FormData = await request.form(max_files=10, max_fields=1000)
    except Exception as exc:  # python-multipart raises several types
        raise BadRequest("Malformed multipart body", code=20001) from exc
    pairs: list[tuple[str, str]] = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            raise BadRequest("File uploads are not accepted", code=20001, field=key)
        pairs.append((key, value))
    return pairs
