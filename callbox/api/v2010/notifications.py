"""Notifications (the account's error and warning log): thin handlers over the store."""

from __future__ import annotations

from typing import Any

from callbox.api.context import RequestContext
from callbox.api.v2010._generated import V2010Api
from callbox.api.v2010.messages import date_range
from callbox.api.v2010.notification_views import notification_json
from callbox.core.errors import ResourceNotFound

__all__ = ["NotificationsApi"]


class NotificationsApi(V2010Api):
    async def list_notification(self, ctx: RequestContext) -> dict[str, Any]:
        p = ctx.params
        created_from, created_until = date_range(p, "MessageDate")
        log = p.get("Log")
        req = ctx.page_request()
        page = await ctx.services.store.list_notifications(  # type: ignore[attr-defined]
            ctx.account.sid, log=None if log is None else str(log), created_from=created_from,
            created_until=created_until, after=req.cursor, limit=req.size,
        )
        return ctx.list_page("notifications", page, notification_json, req)

    async def fetch_notification(self, ctx: RequestContext) -> dict[str, Any]:
        notification = await ctx.services.store.get_notification(  # type: ignore[attr-defined]
            ctx.account.sid, ctx.path_params["Sid"])
        if notification is None:
            raise ResourceNotFound(ctx.uri)
        return notification_json(notification, instance=True)
