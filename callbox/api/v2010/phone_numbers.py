"""IncomingPhoneNumbers and AvailablePhoneNumbers: thin handlers over core.numbers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from callbox.api.context import RequestContext
from callbox.api.protocol.paging import DEFAULT_PAGE_SIZE
from callbox.api.v2010._generated import V2010Api
from callbox.api.v2010.number_views import (
    available_number_json,
    country_json,
    incoming_number_json,
)
from callbox.core import inventory
from callbox.core.errors import UnsupportedParameter
from callbox.core.inventory import SearchFilter
from callbox.core.numbers import NumberFilter

__all__ = ["PhoneNumbersApi", "number_config"]

# Wire parameter -> domain field, for create and update.
_CONFIG = {
    "FriendlyName": "friendly_name",
    "ApiVersion": "api_version",
    "SmsApplicationSid": "sms_application_sid",
    "SmsFallbackMethod": "sms_fallback_method",
    "SmsFallbackUrl": "sms_fallback_url",
    "SmsMethod": "sms_method",
    "SmsUrl": "sms_url",
    "StatusCallback": "status_callback",
    "StatusCallbackMethod": "status_callback_method",
    "VoiceApplicationSid": "voice_application_sid",
    "VoiceCallerIdLookup": "voice_caller_id_lookup",
    "VoiceFallbackMethod": "voice_fallback_method",
    "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceMethod": "voice_method",
    "VoiceUrl": "voice_url",
    "VoiceReceiveMode": "voice_receive_mode",
    "EmergencyStatus": "emergency_status",
}
# Spec parameters that point at resources callbox does not have: a clear 400.
_UNSUPPORTED = {
    "TrunkSid": "SIP trunks are not available",
    "IdentitySid": "regulatory identities are not available",
    "AddressSid": "Addresses are not available",
    "EmergencyAddressSid": "Addresses are not available",
    "BundleSid": "regulatory bundles are not available",
}


def number_config(params: dict[str, Any]) -> dict[str, Any]:
    for name, why in _UNSUPPORTED.items():
        if params.get(name):
            raise UnsupportedParameter(name, why)
    return {field: params[wire] for wire, field in _CONFIG.items() if wire in params}


def _number_filter(params: dict[str, Any], kind: str | None) -> NumberFilter:
    return NumberFilter(type=kind, beta=params.get("Beta"),
                        friendly_name=params.get("FriendlyName"),
                        phone_number=params.get("PhoneNumber"), origin=params.get("Origin"))


def _search_filter(p: dict[str, Any]) -> SearchFilter:
    return SearchFilter(
        area_code=p.get("AreaCode"), contains=p.get("Contains") or None,
        sms_enabled=p.get("SmsEnabled"), mms_enabled=p.get("MmsEnabled"),
        voice_enabled=p.get("VoiceEnabled"), fax_enabled=p.get("FaxEnabled"),
        exclude_all_address_required=bool(p.get("ExcludeAllAddressRequired")),
        exclude_local_address_required=bool(p.get("ExcludeLocalAddressRequired")),
        exclude_foreign_address_required=bool(p.get("ExcludeForeignAddressRequired")),
        beta=p.get("Beta"), near_number=p.get("NearNumber") or None,
        near_lat_long=p.get("NearLatLong") or None, distance=p.get("Distance"),
        in_postal_code=p.get("InPostalCode") or None, in_region=p.get("InRegion") or None,
        in_rate_center=p.get("InRateCenter") or None, in_lata=p.get("InLata") or None,
        in_locality=p.get("InLocality") or None,
    )


class PhoneNumbersApi(V2010Api):
    # IncomingPhoneNumbers -----------------------------------------------------------------
    async def _buy(self, ctx: RequestContext, kind: str | None) -> dict[str, Any]:
        ctx.services.accounts.require_active(ctx.account)
        p = ctx.params
        number = await ctx.services.numbers.buy(
            ctx.account, phone_number=p.get("PhoneNumber") or None,
            area_code=p.get("AreaCode") or None, kind=kind, config=number_config(p),
        )
        return incoming_number_json(number)

    async def create_incoming_phone_number(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._buy(ctx, None)

    async def create_incoming_phone_number_local(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._buy(ctx, "local")

    async def create_incoming_phone_number_mobile(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._buy(ctx, "mobile")

    async def create_incoming_phone_number_toll_free(self, ctx: RequestContext
                                                     ) -> dict[str, Any]:
        return await self._buy(ctx, "tollfree")

    async def fetch_incoming_phone_number(self, ctx: RequestContext) -> dict[str, Any]:
        number = await ctx.services.numbers.get(ctx.account.sid, ctx.path_params["Sid"], ctx.uri)
        return incoming_number_json(number)

    async def update_incoming_phone_number(self, ctx: RequestContext) -> dict[str, Any]:
        ctx.services.accounts.require_active(ctx.account)
        number = await ctx.services.numbers.update(
            ctx.principal.account, ctx.account.sid, ctx.path_params["Sid"], ctx.uri,
            new_account_sid=ctx.params.get("AccountSid") or None,
            config=number_config(ctx.params),
        )
        return incoming_number_json(number)

    async def delete_incoming_phone_number(self, ctx: RequestContext) -> None:
        ctx.services.accounts.require_active(ctx.account)
        await ctx.services.numbers.release(ctx.account.sid, ctx.path_params["Sid"], ctx.uri)

    async def _list(self, ctx: RequestContext, kind: str | None) -> dict[str, Any]:
        req = ctx.page_request()
        page = await ctx.services.numbers.list_numbers(
            ctx.account.sid, _number_filter(ctx.params, kind), req.cursor, req.size
        )
        return ctx.list_page("incoming_phone_numbers", page, incoming_number_json, req)

    async def list_incoming_phone_number(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._list(ctx, None)

    async def list_incoming_phone_number_local(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._list(ctx, "local")

    async def list_incoming_phone_number_mobile(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._list(ctx, "mobile")

    async def list_incoming_phone_number_toll_free(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._list(ctx, "tollfree")

    # AvailablePhoneNumbers ------------------------------------------------------------------
    async def list_available_phone_number_country(self, ctx: RequestContext) -> dict[str, Any]:
        return {
            "countries": [country_json(ctx.account.sid, c) for c in inventory.countries()],
            "uri": ctx.path + ctx.ext,
        }

    async def fetch_available_phone_number_country(self, ctx: RequestContext
                                                   ) -> dict[str, Any]:
        country = ctx.services.numbers.country(ctx.path_params["CountryCode"], ctx.uri)
        return country_json(ctx.account.sid, country)

    async def _available(self, ctx: RequestContext, kind: str) -> dict[str, Any]:
        """A single page, as Twilio answers: no next page, at most PageSize numbers."""
        found = await ctx.services.numbers.available(
            ctx.path_params["CountryCode"], kind, _search_filter(ctx.params),
            int(ctx.params.get("PageSize") or DEFAULT_PAGE_SIZE), ctx.uri,
        )
        uri = ctx.path + ctx.ext + (f"?{urlencode(ctx.query)}" if ctx.query else "")
        return {
            "available_phone_numbers": [available_number_json(o) for o in found.offers],
            "uri": uri,
        }

    async def list_available_phone_number_local(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._available(ctx, "local")

    async def list_available_phone_number_mobile(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._available(ctx, "mobile")

    async def list_available_phone_number_toll_free(self, ctx: RequestContext
                                                    ) -> dict[str, Any]:
        return await self._available(ctx, "tollfree")

    async def list_available_phone_number_national(self, ctx: RequestContext
                                                   ) -> dict[str, Any]:
        return await self._available(ctx, "national")

    async def list_available_phone_number_voip(self, ctx: RequestContext) -> dict[str, Any]:
        return await self._available(ctx, "voip")

    async def list_available_phone_number_shared_cost(self, ctx: RequestContext
                                                      ) -> dict[str, Any]:
        return await self._available(ctx, "shared_cost")

    async def list_available_phone_number_machine_to_machine(self, ctx: RequestContext
                                                             ) -> dict[str, Any]:
        return await self._available(ctx, "machine_to_machine")
