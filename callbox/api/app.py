"""ASGI assembly only: routes, lifespan, and error pages in Twilio's envelope."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from callbox import __version__
from callbox.api.chain import V2010Chain
from callbox.api.comms_v1 import create_comms_app
from callbox.api.protocol.serializers import render_error
from callbox.api.router import split_format
from callbox.api.sim import create_sim_app
from callbox.api.v2010 import V2010Provider
from callbox.config import Settings
from callbox.core.clock import Clock, SystemClock
from callbox.core.entities import Account
from callbox.core.errors import (
    CallboxError,
    MethodNotAllowed,
    ResourceNotFound,
    ServiceUnavailable,
)
from callbox.core.pacing import Pacer
from callbox.core.sids import RandomSids, SidFactory
from callbox.services import Services
from callbox.spec import load_v2010
from callbox.store.sql.engine import create_engine, create_writer, is_sqlite, migrate
from callbox.store.sql.store import SqlStore
from callbox.store.sql.writer import GroupWriter
from callbox.workers import Workers, build_workers, sim_network

__all__ = ["Runtime", "create_app"]

log = logging.getLogger("callbox")


@dataclass(slots=True)
class Runtime:
    """What one running server holds; set on `app.state.runtime` once ready."""

    settings: Settings
    services: Services
    writer: GroupWriter
    main_account: Account
    workers: Workers


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None,
    sids: SidFactory | None = None,
) -> Starlette:
    settings = settings or Settings()
    spec = load_v2010()
    chain_holder: dict[str, V2010Chain] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        url = settings.resolved_database_url()
        if is_sqlite(url):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, synchronous=settings.sqlite_synchronous)
        await migrate(engine)
        writer = create_writer(url, engine, synchronous=settings.sqlite_synchronous)
        await writer.start()
        store = SqlStore(engine, writer)
        services = Services.build(store, clock or SystemClock(), sids or RandomSids(),
                                  pacer=Pacer(enabled=settings.sim_pacing),
                                  network=sim_network(settings))
        main = await services.accounts.ensure_main(settings.account_sid, settings.auth_token)
        workers = await build_workers(settings, services, sole_worker=is_sqlite(url))
        await workers.start()
        chain_holder["v2010"] = V2010Chain(spec, services, V2010Provider(),
                                           max_body=settings.max_body_bytes)
        app.state.runtime = Runtime(settings, services, writer, main, workers)
        # After start-up ~100k long-lived objects (modules, spec, SQLAlchemy, phonenumbers)
        # are tracked; a full collection walks them all and stalled the event loop for
        # 30-50 ms, which was the whole p99. Freezing them leaves the collector only the
        # objects requests create.
        gc.collect()
        gc.freeze()
        log.info("callbox ready: account %s", main.sid)
        try:
            yield
        finally:
            await workers.stop()
            await writer.stop()
            await engine.dispose()

    async def v2010(request: Request) -> Response:
        # Only reached before the server is ready (afterwards `fast` takes the 2010 paths).
        error = ServiceUnavailable("callbox is starting; retry shortly")
        body, media_type = render_error(error.to_dict(), split_format(request.url.path)[1])
        return Response(body, status_code=503, media_type=media_type)

    async def health(request: Request) -> Response:
        ready = hasattr(request.app.state, "runtime")
        return JSONResponse(
            {"status": "ok" if ready else "starting", "version": __version__},
            status_code=200 if ready else 503,
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        _, fmt, ext = split_format(request.url.path)
        error: CallboxError
        if exc.status_code == 405:
            error = MethodNotAllowed()
        elif exc.status_code == 404:
            error = ResourceNotFound(request.url.path)
        else:
            error = CallboxError(str(exc.detail), code=exc.status_code, status=exc.status_code)
        body, media_type = render_error(error.to_dict(), fmt if ext else "json")
        return Response(body, status_code=error.status, media_type=media_type)

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    comms = create_comms_app()
    sim = create_sim_app()
    # JSON APIs with their own error bodies: matched by prefix here, so that no path under
    # them (even one Starlette's router cannot match, such as an encoded newline) falls
    # through to the 2010 error envelope.
    own_apps: tuple[tuple[str, Any], ...] = (("/v1", comms), ("/preview", comms),
                                              ("/sim/v1", sim))
    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/2010-04-01/{rest:path}", v2010, methods=methods),
            Route("/2010-04-01", v2010, methods=methods),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    starlette_asgi = app.build_middleware_stack

    # The 2010 API is the hot path: once ready, its requests skip Starlette's routing and
    # middleware (the chain renders every error itself, so nothing is lost).
    async def fast(scope: Scope, receive: Receive, send: Send) -> None:
        chain = chain_holder.get("v2010")
        if chain is not None and scope["type"] == "http" and scope["path"].startswith(
            "/2010-04-01"
        ):
            await chain(scope, receive, send)
            return
        if scope["type"] != "http":
            await stack(scope, receive, send)
            return
        path = scope["path"]
        for prefix, json_app in own_apps:
            if path == prefix or path.startswith(prefix + "/"):
                await json_app(scope, receive, send)
                return

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name == b"twilio-request-id" for name, _ in headers):
                    headers.append((b"twilio-request-id", ("RQ" + os.urandom(16).hex()).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await stack(scope, receive, send_with_request_id)

    stack = starlette_asgi()
    app.middleware_stack = fast
    return app
