"""The `/sim/v1` pipeline, a small ASGI app mounted by `api/app.py`:

    request ─► route (path + method; a public route skips authentication)
            ─► 503 while the server is starting
            ─► authenticate (Basic, as the 2010 API: Account SID + Auth Token, or an
               API Key SID + Secret; 401 / 20003)
            ─► 404 / 20404 unknown path, 405 / 20004 wrong method (with Allow)
            ─► handler (body: JSON object or form-urlencoded, same field names)
            ─► JSON; errors in Twilio's envelope {code, message, more_info, status}
    any other error ─► 500 / 20500 with the request id, logged with its traceback
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.types import Receive, Scope, Send

from callbox.api.protocol.body import read_body
from callbox.api.protocol.parser import parse_form
from callbox.core.accounts import Principal
from callbox.core.entities import Account
from callbox.core.errors import (
    AuthenticationFailed,
    BadRequest,
    CallboxError,
    InternalError,
    MethodNotAllowed,
    ResourceNotFound,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from callbox.services import Services

__all__ = ["Handler", "Reply", "SimApp", "SimRequest", "SimRoute"]

log = logging.getLogger("callbox.api.sim")

PREFIX = "/sim/v1"
DEFAULT_MAX_BODY = 1_048_576
_WWW_AUTHENTICATE = (b"www-authenticate", b'Basic realm="Twilio API"')
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(slots=True)
class Reply:
    status: int
    body: Any = None  # JSON-shaped; None with 204
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def sim_error(exc: CallboxError) -> Any:
    """Twilio's 2010 error envelope {code, message, more_info, status}."""
    return exc.to_dict()


@dataclass(slots=True)
class SimRequest:
    """What a handler gets: who calls, the path's parameters, the query, the body."""

    method: str
    path: str  # full request path, /sim/v1/...
    origin: str  # scheme://host[:port], for absolute paging URLs
    path_params: dict[str, str]
    query: list[tuple[str, str]]
    services: Services | None = None
    principal: Principal | None = None
    body: bytes = b""
    content_type: str = ""

    @property
    def account(self) -> Account:
        assert self.principal is not None
        return self.principal.account

    @property
    def svc(self) -> Services:
        assert self.services is not None
        return self.services

    def query_value(self, name: str) -> str | None:
        for key, value in reversed(self.query):
            if key == name:
                return value
        return None

    def url(self, query: Sequence[tuple[str, str]] = ()) -> str:
        return f"{self.origin}{self.path}" + (f"?{urlencode(query)}" if query else "")

    def data(self) -> dict[str, Any]:
        """The body as one dict: a JSON object as sent; a form with repeated keys as lists."""
        if not self.body.strip():
            return {}
        if self.content_type == "application/json":
            try:
                data = orjson.loads(self.body)
            except orjson.JSONDecodeError as exc:
                raise BadRequest(f"The request body is not valid JSON: {exc}",
                                 code=20001) from None
            if not isinstance(data, dict):
                raise BadRequest("The request body must be a JSON object", code=20001)
            return data
        out: dict[str, Any] = {}
        for key, value in parse_form(self.body):
            if key in out:
                previous = out[key]
                out[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                out[key] = value
        return out


Handler = Callable[[SimRequest], Awaitable[Reply]]


@dataclass(slots=True)
class SimRoute:
    template: str  # relative to /sim/v1, `{Name}` for one path segment
    methods: dict[str, Handler]
    public: bool = False
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(self.template)
                         .replace(r"\{", "{").replace(r"\}", "}"))
        self.regex = re.compile(f"^{pattern}\\Z")


class SimApp:
    """Mounted at /sim/v1; the server's services come from `app.state.runtime`. Also the
    base of the Communications API's app (other prefixes, another error body)."""

    def __init__(self, routes: Sequence[SimRoute], *, prefixes: Sequence[str] = (PREFIX,),
                 error_body: Callable[[CallboxError], Any] = sim_error,
                 body_limit: Callable[[Any], int] = lambda s: int(s.max_body_bytes)) -> None:
        self.routes = list(routes)
        self.body_limit = body_limit
        self.prefixes = tuple(prefixes)
        self.error_body = error_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        request_id = "RQ" + os.urandom(16).hex()
        headers = [(b"twilio-request-id", request_id.encode())]
        try:
            reply = await self._handle(scope, receive, headers)
        except CallboxError as exc:
            if exc.status == 401:
                headers.append(_WWW_AUTHENTICATE)
            reply = Reply(exc.status, self.error_body(exc))
        except Exception:
            log.exception("unhandled error, request id %s: %s %s", request_id, scope["method"],
                          scope["path"])
            error = InternalError(f"Internal Server Error (request id {request_id})")
            reply = Reply(error.status, self.error_body(error))
        headers += reply.headers
        body = b""
        if reply.status != 204:
            body = orjson.dumps(reply.body)
            headers.append((b"content-type", b"application/json"))
            headers.append((b"content-length", str(len(body)).encode()))
        if scope["method"] == "HEAD":
            body = b""
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _match(self, path: str) -> tuple[SimRoute, dict[str, str]] | None:
        for route in self.routes:
            if (m := route.regex.match(path)) is not None:
                return route, m.groupdict()
        return None

    async def _handle(self, scope: Scope, receive: Receive,
                      headers: list[tuple[bytes, bytes]]) -> Reply:
        path = scope["path"]
        root = scope.get("root_path", "")
        relative = path[len(root):] if root and path.startswith(root) else path
        for prefix in self.prefixes:
            if relative.startswith(prefix + "/"):  # mounted without root_path (a bare app)
                relative = relative[len(prefix):]
                break
        request_headers = {k.lower(): v for k, v in scope["headers"]}
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        found = self._match(relative)
        app = scope.get("app")
        runtime = getattr(app.state, "runtime", None) if app is not None else None
        if found is None or not found[0].public:
            if runtime is None:
                raise ServiceUnavailable("callbox is starting; retry shortly")
            principal = await runtime.services.accounts.authenticate(
                *_basic(request_headers.get(b"authorization")))
        else:
            principal = None
        if found is None:
            raise ResourceNotFound(path)
        route, params = found
        handler = route.methods.get(method)
        if handler is None:
            allowed = {*route.methods, *(("HEAD",) if "GET" in route.methods else ())}
            headers.append((b"allow", ", ".join(sorted(allowed)).encode()))
            raise MethodNotAllowed(f"Method {scope['method']} not allowed for {path}")
        request = SimRequest(
            method=method, path=path, origin=_origin(scope, request_headers),
            path_params=params,
            query=parse_form(scope.get("query_string", b""), "query string"),
            services=runtime.services if runtime is not None else None, principal=principal,
        )
        if method in _BODY_METHODS:
            max_body = (self.body_limit(runtime.settings) if runtime is not None
                        else DEFAULT_MAX_BODY)
            request.body = await read_body(receive, request_headers.get(b"content-length"),
                                            max_body)
            ctype = request_headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            request.content_type = ctype.decode("latin-1")
            if request.body.strip() and request.content_type not in (
                "application/json", "application/x-www-form-urlencoded", ""
            ):
                raise UnsupportedMediaType(
                    f"Content-Type {request.content_type} is not accepted: send "
                    "application/json or application/x-www-form-urlencoded")
        return await handler(request)


def _basic(header: bytes | None) -> tuple[str, str]:
    if not header or header[:6].lower() != b"basic ":
        raise AuthenticationFailed()
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed() from None
    username, _, password = decoded.partition(":")
    return username, password


def _origin(scope: Scope, headers: dict[bytes, bytes]) -> str:
    scheme = scope.get("scheme", "http")
    host = headers.get(b"host")
    if host:
        return f"{scheme}://{host.decode('latin-1')}"
    server = scope.get("server")
    if server:
        return f"{scheme}://{server[0]}:{server[1]}"
    return ""

