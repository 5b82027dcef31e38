"""Applications: thin handlers over core.numbers."""

from __future__ import annotations

from typing import Any

from callbox.api.context import RequestContext
from callbox.api.v2010._generated import V2010Api
from callbox.api.v2010.number_views import application_json

__all__ = ["ApplicationsApi"]

_CONFIG = {
    "FriendlyName": "friendly_name",
    "ApiVersion": "api_version",
    "VoiceUrl": "voice_url",
    "VoiceMethod": "voice_method",
    "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceFallbackMethod": "voice_fallback_method",
    "StatusCallback": "status_callback",
    "StatusCallbackMethod": "status_callback_method",
    "VoiceCallerIdLookup": "voice_caller_id_lookup",
    "SmsUrl": "sms_url",
    "SmsMethod": "sms_method",
    "SmsFallbackUrl": "sms_fallback_url",
    "SmsFallbackMethod": "sms_fallback_method",
    "SmsStatusCallback": "sms_status_callback",
    "MessageStatusCallback": "message_status_callback",
    "PublicApplicationConnectEnabled": "public_application_connect_enabled",
}


def _config(params: dict[str, Any]) -> dict[str, Any]:
    return {field: params[wire] for wire, field in _CONFIG.items() if wire in params}


class ApplicationsApi(V2010Api):
    async def create_application(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_active(ctx.account)
        app = await ctx.services.numbers.create_application(ctx.account.sid, _config(ctx.params))
        return application_json(app)

    async def fetch_application(self, ctx: RequestContext) -> dict[str, Any]:
        app = await ctx.services.numbers.application(
            ctx.account.sid, ctx.path_params["Sid"], ctx.uri
        )
        return application_json(app)

    async def update_application(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_active(ctx.account)
        app = await ctx.services.numbers.update_application(
            ctx.account.sid, ctx.path_params["Sid"], ctx.uri, _config(ctx.params)
        )
        return application_json(app)

    async def delete_application(self, ctx: RequestContext) -> None:
        ctx.services.accounts.require_active(ctx.account)
        await ctx.services.numbers.delete_application(
            ctx.account.sid, ctx.path_params["Sid"], ctx.uri
        )

    async def list_application(self, ctx: RequestContext) -> dict[str, Any]:
        req = ctx.page_request()
        page = await ctx.services.numbers.list_applications(
            ctx.account.sid, ctx.params.get("FriendlyName"), req.cursor, req.size
        )
        return ctx.list_page("applications", page, application_json, req)
