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
import uuid
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from callbox.api.context import RequestContext
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
    PayloadTooLarge,
    ResourceNotFound,
    UnsupportedMediaType,
)
from callbox.services import Services
from callbox.spec.loader import Operation, Spec

__all__ = ["V2010Chain"]

log = logging.getLogger("callbox.api")

_RECORD_NAMES = {"new_key": "Key", "message_feedback": "Feedback"}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="Twilio API"'}


def _shape(spec: Spec, op: Operation) -> Shape:
    name = spec.item_schema_name(op) or op.response_schema_name or "Resource"
    last = name.rsplit(".", 1)[-1]
    return Shape(_RECORD_NAMES.get(last, pascal(last)), op.list_key)


def _basic(header: str | None) -> tuple[str, str]:
    if not header or not header[:6].lower() == "basic ":
        raise AuthenticationFailed()
    try:
        username, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed() from None
    return username, password


class V2010Chain:
    def __init__(self, spec: Spec, services: Services, provider: V2010Api, *,
                 max_body: int) -> None:
        self.spec = spec
        self.router = Router(spec)
        self.services = services
        self.provider = provider
        self.max_body = max_body
        self.shapes = {op_id: _shape(spec, op) for op_id, op in spec.operations.items()}

    async def __call__(self, request: Request) -> Response:
        base, fmt, ext = split_format(request.url.path)
        request_id = "RQ" + uuid.uuid4().hex
        headers = {"Twilio-Request-Id": request_id}
        try:
            return await self._handle(request, base, fmt, ext, request_id, headers)
        except CallboxError as exc:
            if exc.status == 401:
                headers.update(_WWW_AUTHENTICATE)
            return self._error(exc, fmt, headers)
        except Exception:
            log.exception("unhandled error, request id %s: %s %s", request_id, request.method,
                          request.url.path)
            error = InternalError(f"Internal Server Error (request id {request_id})")
            return self._error(error, fmt, headers)

    def _error(self, exc: CallboxError, fmt: str, headers: dict[str, str]) -> Response:
        body, media_type = render_error(exc.to_dict(), fmt)
        return Response(body, status_code=exc.status, media_type=media_type, headers=headers)

    async def _handle(self, request: Request, base: str, fmt: str, ext: str, request_id: str,
                      headers: dict[str, str]) -> Response:
        accounts = self.services.accounts
        principal = await accounts.authenticate(*_basic(request.headers.get("authorization")))
        uri = base + ext
        match = self.router.match(base)
        if match is None:
            raise ResourceNotFound(uri)
        method = "GET" if request.method == "HEAD" else request.method
        op = match.methods.get(method)
        if op is None:
            headers["Allow"] = ", ".join(sorted(match.methods))
            raise MethodNotAllowed(f"Method {request.method} not allowed for {uri}")
        account_sid = match.params.get("AccountSid")
        if account_sid is None and op.path.startswith("/2010-04-01/Accounts/{Sid}"):
            account_sid = match.params["Sid"]
        account = await accounts.target(principal, account_sid or principal.account.sid, uri)
        form = await self._form(request) if method in _BODY_METHODS else []
        params = parse_params(op, request.query_params.multi_items(), form)
        ctx = RequestContext(
            op=op, services=self.services, principal=principal, account=account,
            path_params=match.params, params=params, query=request.query_params.multi_items(),
            path=base, ext=ext, request_id=request_id, headers=headers,
        )
        data = await getattr(self.provider, OPERATIONS[op.operation_id])(ctx)
        status = ctx.status or op.success_status
        if status == 204:
            return Response(status_code=204, headers=headers)
        body, media_type = render(self.shapes[op.operation_id], data, fmt)
        if request.method == "HEAD":
            body = b""
        return Response(body, status_code=status, media_type=media_type, headers=headers)

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > self.max_body:
                    raise PayloadTooLarge(f"Request body exceeds {self.max_body} bytes")
            except ValueError:
                raise BadRequest("Invalid Content-Length", code=20001) from None
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise PayloadTooLarge(f"Request body exceeds {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _form(self, request: Request) -> list[tuple[str, str]]:
        body = await self._read_body(request)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype in ("", "application/x-www-form-urlencoded"):
            return parse_form(body)
        if ctype == "multipart/form-data":
            request._body = body  # noqa: SLF001 - the capped body, read once
            try:
                form: FormData = await request.form(max_files=10, max_fields=1000)
            except Exception as exc:  # python-multipart raises several types
                raise BadRequest("Malformed multipart body", code=20001) from exc
            pairs: list[tuple[str, Any]] = []
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    raise BadRequest("File uploads are not accepted", code=20001, field=key)
                pairs.append((key, value))
            return pairs
        if not body:
            return []
        raise UnsupportedMediaType(
            f"Content-Type {ctype} is not accepted: send application/x-www-form-urlencoded "
            "or multipart/form-data"
        )
