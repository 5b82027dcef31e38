"""`/v1` routes (the same under `/preview`)."""

from __future__ import annotations

from callbox.api.comms_v1.audiences import AUDIENCE_ROUTES
from callbox.api.comms_v1.messages import MESSAGE_ROUTES
from callbox.api.comms_v1.openapi import DOCUMENT
from callbox.api.comms_v1.protocol import comms_error
from callbox.api.sim.asgi import Reply, SimApp, SimRequest, SimRoute

__all__ = ["ROUTES", "create_comms_app"]


async def openapi(req: SimRequest) -> Reply:
    return Reply(200, DOCUMENT)


ROUTES: list[SimRoute] = [
    *MESSAGE_ROUTES,
    *AUDIENCE_ROUTES,
    SimRoute("/openapi.json", {"GET": openapi}, public=True),
]


def create_comms_app() -> SimApp:
    return SimApp(ROUTES, prefixes=("/v1", "/preview"), error_body=comms_error,
                  body_limit=lambda settings: int(settings.comms_max_body_bytes))
