"""`/v1/Audiences` handlers (the same under `/preview`): thin calls into
`services.audiences`.

    POST          /Audiences                 201 Audience (with up to 10,000 members)
    GET           /Audiences                 200 {"audiences": [...], "pagination": …}
    GET           /Audiences/{Id}            200 Audience
    POST | PATCH  /Audiences/{Id}            200 Audience (any of name, description, tags)
    DELETE        /Audiences/{Id}            204
    GET           /Audiences/{Id}/Members    200 {"members": [...], "pagination": …}
    POST          /Audiences/{Id}/Members    200 {"added", "removed", "memberCount"}

An id that is not `comms_audience_…`, or another account's audience, is a 404.
"""

from __future__ import annotations

from typing import Any

from callbox.api.comms_v1.protocol import body_object, iso, list_body, page_params
from callbox.api.sim.asgi import Reply, SimRequest, SimRoute
from callbox.core.audiences import Audience, AudienceMember
from callbox.core.comms_ids import comms_id
from callbox.core.errors import ResourceNotFound

__all__ = ["AUDIENCE_ROUTES", "audience_json", "member_json"]


def audience_json(audience: Audience) -> dict[str, Any]:
    return {
        "id": audience.sid,
        "name": audience.name,
        "description": audience.description,
        "tags": audience.tags,
        "memberCount": audience.member_count,
        "createdAt": iso(audience.date_created),
        "updatedAt": iso(audience.date_updated),
    }


def member_json(member: AudienceMember) -> dict[str, Any]:
    return {
        "address": member.address,
        "channel": member.channel,
        "variables": member.variables,
        "createdAt": iso(member.date_created),
    }


def _audience_id(req: SimRequest) -> str:
    """The path's id; a 404 before anything else when it is not an audience id."""
    value = req.path_params["Id"]
    if comms_id(value, "audience") is None:
        raise ResourceNotFound(req.path)
    return value


async def create_audience(req: SimRequest) -> Reply:
    data = body_object(req)
    req.svc.accounts.require_active(req.account)
    audience = await req.svc.audiences.create(req.account.sid, data)
    return Reply(201, audience_json(audience))


async def list_audiences(req: SimRequest) -> Reply:
    size, cursor, token = page_params(req)
    page = await req.svc.audiences.list_audiences(req.account.sid, cursor, size)
    return Reply(200, list_body(req, "audiences", page, audience_json,
                                lambda a: (a.date_created, a.sid), size, cursor, token))


async def fetch_audience(req: SimRequest) -> Reply:
    audience = await req.svc.audiences.get(req.account.sid, _audience_id(req))
    return Reply(200, audience_json(audience))


async def update_audience(req: SimRequest) -> Reply:
    audience_id = _audience_id(req)
    data = body_object(req)
    req.svc.accounts.require_active(req.account)
    audience = await req.svc.audiences.update(req.account.sid, audience_id, data)
    return Reply(200, audience_json(audience))


async def delete_audience(req: SimRequest) -> Reply:
    audience_id = _audience_id(req)
    req.svc.accounts.require_active(req.account)
    await req.svc.audiences.delete(req.account.sid, audience_id)
    return Reply(204)


async def list_members(req: SimRequest) -> Reply:
    audience_id = _audience_id(req)
    size, cursor, token = page_params(req)
    page = await req.svc.audiences.list_members(req.account.sid, audience_id, cursor, size)
    return Reply(200, list_body(req, "members", page, member_json,
                                lambda m: (m.date_created, m.address), size, cursor, token))


async def change_members(req: SimRequest) -> Reply:
    audience_id = _audience_id(req)
    data = body_object(req)
    req.svc.accounts.require_active(req.account)
    change = await req.svc.audiences.change_members(req.account.sid, audience_id, data)
    return Reply(200, {"added": change.added, "removed": change.removed,
                       "memberCount": change.member_count})


AUDIENCE_ROUTES: list[SimRoute] = [
    SimRoute("/Audiences", {"POST": create_audience, "GET": list_audiences}),
    SimRoute("/Audiences/{Id}", {"GET": fetch_audience, "POST": update_audience,
                                 "PATCH": update_audience, "DELETE": delete_audience}),
    SimRoute("/Audiences/{Id}/Members", {"GET": list_members, "POST": change_members}),
]
