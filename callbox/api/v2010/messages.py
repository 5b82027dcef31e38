"""Messages, their Media and Feedback: thin handlers over core.messaging."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from callbox.api.context import RequestContext
from callbox.api.protocol.dates import day_bounds, second_bounds
from callbox.api.v2010._generated import V2010Api
from callbox.api.v2010.views import feedback_json, media_json, message_json
from callbox.core.errors import BadRequest, InvalidParameter, UnsupportedParameter
from callbox.core.messaging import NewMessage
from callbox.core.ports import MessageFilter

__all__ = ["MessagesApi"]

# Spec parameters that only tune delivery; callbox records them on the message.
_RECORDED = ("MaxPrice", "ProvideFeedback", "Attempt", "ForceDelivery", "RiskCheck",
             "TrafficType")
# Spec parameters whose feature callbox does not have yet: a clear 400, never silence.
_UNSUPPORTED = {
    "ContentSid": "Content templates are not available",
    "ContentVariables": "Content templates are not available",
    "FallbackFrom": "RCS fallback is not available",
    "PersistentAction": "persistent actions are not available",
}


def date_range(params: dict[str, Any], name: str) -> tuple[datetime | None, datetime | None]:
    """`Name`, `Name<` and `Name>` as a [from, until) range. Dates cover whole UTC days:
    `Name<` is on-or-before, `Name>` on-or-after, as Twilio documents."""
    lo: datetime | None = None
    hi: datetime | None = None

    def bounds(value: date | datetime) -> tuple[datetime, datetime]:
        if isinstance(value, datetime):
            return second_bounds(value)
        return day_bounds(value)

    if (value := params.get(name)) is not None:
        lo, hi = bounds(value)
    if (value := params.get(name + "<")) is not None:
        end = bounds(value)[1]
        hi = end if hi is None else min(hi, end)
    if (value := params.get(name + ">")) is not None:
        start = bounds(value)[0]
        lo = start if lo is None else max(lo, start)
    return lo, hi


def _new_message(p: dict[str, Any]) -> NewMessage:
    for name, why in _UNSUPPORTED.items():
        if p.get(name):
            raise UnsupportedParameter(name, why)
    if p.get("ShortenUrls"):
        raise UnsupportedParameter("ShortenUrls", "link shortening is not available")
    if p.get("ContentRetention", "retain") != "retain":
        raise UnsupportedParameter("ContentRetention", "only 'retain' is available")
    if p.get("AddressRetention", "retain") != "retain":
        raise UnsupportedParameter("AddressRetention", "only 'retain' is available")
    send_at = p.get("SendAt")
    if isinstance(send_at, date) and not isinstance(send_at, datetime):
        raise InvalidParameter("SendAt must be an ISO 8601 timestamp", field="SendAt")
    return NewMessage(
        to=p.get("To"),
        from_=p.get("From"),
        body=p.get("Body"),
        media_urls=p.get("MediaUrl", []),
        messaging_service_sid=p.get("MessagingServiceSid"),
        status_callback=p.get("StatusCallback"),
        validity_period=p.get("ValidityPeriod"),
        schedule_type=p.get("ScheduleType"),
        send_at=send_at,
        smart_encoded=bool(p.get("SmartEncoded")),
        send_as_mms=bool(p.get("SendAsMms")),
        options={k: p[k] for k in _RECORDED if k in p},
    )


class MessagesApi(V2010Api):
    async def create_message(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_active(ctx.account)
        req = _new_message(ctx.params)
        if app_sid := ctx.params.get("ApplicationSid"):
            # Twilio: with an ApplicationSid, status callbacks go to the application's
            # MessageStatusCallback and the StatusCallback parameter is ignored.
            app = await ctx.services.numbers.get_application(ctx.account.sid, app_sid)
            if app is None:
                raise BadRequest(f"ApplicationSid {app_sid} is not an application of this "
                                 "account", code=21218, field="ApplicationSid")
            req.status_callback = app.message_status_callback
        message, _ = await ctx.services.messaging.create(ctx.account.sid, req)
        return message_json(message)

    async def fetch_message(self, ctx: RequestContext) -> dict[str, Any]:
        sid = ctx.path_params["Sid"]
        return message_json(await ctx.services.messaging.get(ctx.account.sid, sid, ctx.uri))

    async def list_message(self, ctx: RequestContext) -> dict[str, Any]:
        p = ctx.params
        sent_from, sent_until = date_range(p, "DateSent")
        flt = MessageFilter(to=p.get("To"), from_=p.get("From"), sent_from=sent_from,
                            sent_until=sent_until)
        req = ctx.page_request()
        page = await ctx.services.messaging.list(ctx.account.sid, flt, req.cursor, req.size)
        return ctx.list_page("messages", page, message_json, req)

    async def update_message(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_active(ctx.account)
        message = await ctx.services.messaging.update(
            ctx.account.sid, ctx.path_params["Sid"], ctx.uri,
            body=ctx.params.get("Body"), status=ctx.params.get("Status"),
        )
        return message_json(message)

    async def delete_message(self, ctx: RequestContext) -> None:
        ctx.services.accounts.require_active(ctx.account)
        await ctx.services.messaging.delete(ctx.account.sid, ctx.path_params["Sid"], ctx.uri)

    async def list_media(self, ctx: RequestContext) -> dict[str, Any]:
        created_from, created_until = date_range(ctx.params, "DateCreated")
        req = ctx.page_request()
        page = await ctx.services.messaging.list_media(
            ctx.account.sid, ctx.path_params["MessageSid"], ctx.uri,
            created_from=created_from, created_until=created_until,
            after=req.cursor, limit=req.size,
        )
        return ctx.list_page("media_list", page, media_json, req)

    async def fetch_media(self, ctx: RequestContext) -> dict[str, Any]:
        media = await ctx.services.messaging.get_media(
            ctx.account.sid, ctx.path_params["MessageSid"], ctx.path_params["Sid"], ctx.uri
        )
        return media_json(media)

    async def delete_media(self, ctx: RequestContext) -> None:
        ctx.services.accounts.require_active(ctx.account)
        await ctx.services.messaging.delete_media(
            ctx.account.sid, ctx.path_params["MessageSid"], ctx.path_params["Sid"], ctx.uri
        )

    async def create_message_feedback(self, ctx: RequestContext) -> dict[str, Any]:
        feedback = await ctx.services.messaging.feedback(
            ctx.account.sid, ctx.path_params["MessageSid"], ctx.uri, ctx.params.get("Outcome")
        )
        return feedback_json(feedback)
