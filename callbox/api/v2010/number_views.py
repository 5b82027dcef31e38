"""IncomingPhoneNumbers, AvailablePhoneNumbers and Applications as the 2010 API's
JSON-shaped dicts. Fields callbox has no resource for (addresses, bundles, trunks,
identities, emergency addresses) are null, as on a Twilio number that uses none."""

from __future__ import annotations

from typing import Any

from callbox.api.protocol.dates import format_rfc2822
from callbox.core.inventory import Country, Offer
from callbox.core.numbers import Application, IncomingPhoneNumber
from callbox.spec import load_v2010

__all__ = [
    "KIND_PATHS",
    "application_json",
    "available_number_json",
    "country_json",
    "incoming_number_json",
]

API = "/2010-04-01"
# inventory kind -> (path segment, subresource_uris key)
KIND_PATHS = {"local": ("Local", "local"), "mobile": ("Mobile", "mobile"),
              "tollfree": ("TollFree", "toll_free")}


def incoming_number_json(n: IncomingPhoneNumber) -> dict[str, Any]:
    data: dict[str, Any] = {
        "account_sid": n.account_sid,
        "address_sid": None,
        "address_requirements": n.address_requirements,
        "api_version": n.api_version,
        "beta": n.beta,
        "capabilities": {"voice": n.voice_capable, "sms": n.sms_capable,
                         "mms": n.mms_capable, "fax": n.fax_capable},
        "date_created": format_rfc2822(n.date_created),
        "date_updated": format_rfc2822(n.date_updated),
        "friendly_name": n.friendly_name,
        "identity_sid": None,
        "phone_number": n.phone_number,
        "origin": n.origin,
        "sid": n.sid,
        "sms_application_sid": n.sms_application_sid,
        "sms_fallback_method": n.sms_fallback_method,
        "sms_fallback_url": n.sms_fallback_url,
        "sms_method": n.sms_method,
        "sms_url": n.sms_url,
        "status_callback": n.status_callback,
        "status_callback_method": n.status_callback_method,
        "trunk_sid": None,
        "uri": f"{API}/Accounts/{n.account_sid}/IncomingPhoneNumbers/{n.sid}.json",
        "voice_receive_mode": n.voice_receive_mode,
        "voice_application_sid": n.voice_application_sid,
        "voice_caller_id_lookup": n.voice_caller_id_lookup,
        "voice_fallback_method": n.voice_fallback_method,
        "voice_fallback_url": n.voice_fallback_url,
        "voice_method": n.voice_method,
        "voice_url": n.voice_url,
        "emergency_status": n.emergency_status,
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "bundle_sid": None,
        "status": n.status,
        "type": n.type,
    }
    data["subresource_uris"] = load_v2010().subresource_uris("FetchIncomingPhoneNumber", data)
    return data


def country_json(account_sid: str, c: Country) -> dict[str, Any]:
    base = f"{API}/Accounts/{account_sid}/AvailablePhoneNumbers/{c.code}"
    return {
        "country_code": c.code,
        "country": c.name,
        "uri": f"{base}.json",
        "beta": c.beta,
        "subresource_uris": {
            KIND_PATHS[kind][1]: f"{base}/{KIND_PATHS[kind][0]}.json" for kind in c.kinds
        },
    }


def available_number_json(o: Offer) -> dict[str, Any]:
    caps = o.capabilities
    return {
        "friendly_name": o.friendly_name,
        "phone_number": o.phone_number,
        "lata": o.area.lata,
        "locality": o.area.locality,
        "rate_center": o.area.rate_center,
        "latitude": o.area.latitude,
        "longitude": o.area.longitude,
        "region": o.area.region,
        "postal_code": o.area.postal_code,
        "iso_country": o.country.code,
        "address_requirements": o.country.address_requirements,
        "beta": o.country.beta,
        "capabilities": {"voice": caps.voice, "sms": caps.sms, "mms": caps.mms, "fax": caps.fax},
    }


def application_json(a: Application) -> dict[str, Any]:
    return {
        "account_sid": a.account_sid,
        "api_version": a.api_version,
        "date_created": format_rfc2822(a.date_created),
        "date_updated": format_rfc2822(a.date_updated),
        "friendly_name": a.friendly_name,
        "message_status_callback": a.message_status_callback,
        "sid": a.sid,
        "sms_fallback_method": a.sms_fallback_method,
        "sms_fallback_url": a.sms_fallback_url,
        "sms_method": a.sms_method,
        "sms_status_callback": a.sms_status_callback,
        "sms_url": a.sms_url,
        "status_callback": a.status_callback,
        "status_callback_method": a.status_callback_method,
        "uri": f"{API}/Accounts/{a.account_sid}/Applications/{a.sid}.json",
        "voice_caller_id_lookup": a.voice_caller_id_lookup,
        "voice_fallback_method": a.voice_fallback_method,
        "voice_fallback_url": a.voice_fallback_url,
        "voice_method": a.voice_method,
        "voice_url": a.voice_url,
        "public_application_connect_enabled": a.public_application_connect_enabled,
    }
