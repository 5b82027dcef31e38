"""Phone numbers an account owns (IncomingPhoneNumbers), the simulated inventory they are
bought from (AvailablePhoneNumbers, see `inventory.py`) and Applications.

A number belongs to at most one account at a time (a unique constraint on the E.164
number); releasing it returns it to the inventory. `owns_sender` is on the hot path of
message creation, so its answer is cached for two seconds per number, with one load in
flight per number, and dropped whenever this process changes that number.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import phonenumbers

from callbox.core import inventory
from callbox.core.addresses import normalize_e164
from callbox.core.clock import Clock
from callbox.core.entities import Account, AccountStatus, Page
from callbox.core.errors import AccountNotActive, BadRequest, InvalidParameter, ResourceNotFound
from callbox.core.ports import Cursor
from callbox.core.sids import SidFactory, is_sid

__all__ = [
    "Application",
    "AvailableNumbers",
    "IncomingPhoneNumber",
    "NumberFilter",
    "NumberService",
    "NumberStore",
]

_CACHE_SECONDS = 2.0
_SHORT_CODE = re.compile(r"^\d{3,8}$")
API_VERSIONS = ("2010-04-01", "2008-08-01")
METHODS = ("GET", "POST")
MAX_FRIENDLY_NAME = 64
MAX_AVAILABLE_PAGE = 1000

# Settable fields by what they hold; each kind has Twilio's error code.
URL_FIELDS = frozenset({"sms_url", "sms_fallback_url", "voice_url", "voice_fallback_url"})
CALLBACK_FIELDS = frozenset({"status_callback", "sms_status_callback", "message_status_callback"})
METHOD_FIELDS = frozenset({"sms_method", "sms_fallback_method", "voice_method",
                           "voice_fallback_method", "status_callback_method"})
APP_FIELDS = frozenset({"sms_application_sid", "voice_application_sid"})
BOOL_FIELDS = frozenset({"voice_caller_id_lookup", "public_application_connect_enabled"})
NUMBER_FIELDS = (URL_FIELDS | METHOD_FIELDS | APP_FIELDS
                 | {"status_callback", "friendly_name", "api_version", "voice_caller_id_lookup",
                    "voice_receive_mode", "emergency_status"})
APPLICATION_FIELDS = (URL_FIELDS | CALLBACK_FIELDS | METHOD_FIELDS
                      | {"friendly_name", "api_version", "voice_caller_id_lookup",
                         "public_application_connect_enabled"})


@dataclass(slots=True)
class IncomingPhoneNumber:
    sid: str
    account_sid: str
    phone_number: str
    friendly_name: str
    type: str  # local | mobile | tollfree
    iso_country: str
    voice_capable: bool
    sms_capable: bool
    mms_capable: bool
    fax_capable: bool
    address_requirements: str
    date_created: datetime
    date_updated: datetime
    beta: bool = False
    origin: str = "twilio"
    status: str = "in-use"
    api_version: str = "2010-04-01"
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"
    sms_application_sid: str | None = None
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    voice_application_sid: str | None = None
    voice_caller_id_lookup: bool = False
    voice_receive_mode: str = "voice"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    emergency_status: str = "Inactive"


@dataclass(slots=True)
class Application:
    sid: str
    account_sid: str
    friendly_name: str | None
    date_created: datetime
    date_updated: datetime
    api_version: str = "2010-04-01"
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    voice_caller_id_lookup: bool = False
    status_callback: str | None = None
    status_callback_method: str = "POST"
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"
    sms_status_callback: str | None = None
    message_status_callback: str | None = None
    public_application_connect_enabled: bool = False


@dataclass(slots=True, frozen=True)
class NumberFilter:
    type: str | None = None  # local | mobile | tollfree
    beta: bool | None = None
    friendly_name: str | None = None
    phone_number: str | None = None  # digits and '*' (one digit), matched anywhere
    origin: str | None = None


@dataclass(slots=True, frozen=True)
class AvailableNumbers:
    """One AvailablePhoneNumbers answer: a single page, no paging."""

    country: inventory.Country
    kind: str
    offers: list[inventory.Offer]


class NumberStore(Protocol):
    async def get_account(self, sid: str) -> Account | None: ...
    async def get_number(self, account_sid: str, sid: str) -> IncomingPhoneNumber | None: ...
    async def number_by_phone(self, phone_number: str) -> IncomingPhoneNumber | None: ...
    async def number_owner(self, phone_number: str) -> str | None: ...
    async def owned_numbers(self, phone_numbers: list[str]) -> set[str]: ...
    async def list_numbers(self, account_sid: str, flt: NumberFilter, *, after: Cursor | None,
                           limit: int) -> Page[IncomingPhoneNumber]: ...
    async def insert_number(self, number: IncomingPhoneNumber) -> bool: ...
    async def update_number(self, account_sid: str, sid: str, changes: dict[str, Any]) -> bool: ...
    async def delete_number(self, account_sid: str, sid: str) -> bool: ...
    async def insert_application(self, app: Application) -> None: ...
    async def get_application(self, account_sid: str, sid: str) -> Application | None: ...
    async def list_applications(self, account_sid: str, *, friendly_name: str | None,
                                after: Cursor | None, limit: int) -> Page[Application]: ...
    async def update_application(self, account_sid: str, sid: str,
                                 changes: dict[str, Any]) -> bool: ...
    async def delete_application(self, account_sid: str, sid: str) -> bool: ...


def _bad(code: int, message: str, name: str) -> BadRequest:
    return BadRequest(message, code=code, field=name)


def _wire(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class NumberService:
    def __init__(self, store: Any, clock: Clock, sids: SidFactory) -> None:
        self.store: NumberStore = store
        self.clock = clock
        self.sids = sids
        self._owners: dict[str, tuple[float, str | None]] = {}
        self._loading: dict[str, asyncio.Future[str | None]] = {}
        self._generation = 0

    # for the message workers ------------------------------------------------------------------
    async def owns_sender(self, account_sid: str, number: str) -> bool:
        """Whether the account owns this E.164 number. Cached by number (the owner's SID)
        for two seconds; one query in flight per number."""
        hit = self._owners.get(number)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1] == account_sid
        pending = self._loading.get(number)
        if pending is None:
            generation = self._generation
            pending = asyncio.ensure_future(self.store.number_owner(number))
            self._loading[number] = pending
            try:
                owner = await pending
            finally:
                self._loading.pop(number, None)
            if generation == self._generation:  # no change in this process meanwhile
                if len(self._owners) > 100_000:
                    self._owners.clear()
                self._owners[number] = (time.monotonic() + _CACHE_SECONDS, owner)
        else:
            owner = await asyncio.shield(pending)
        return owner == account_sid

    async def find_by_number(self, number: str) -> IncomingPhoneNumber | None:
        """The record of an E.164 number in whichever account owns it."""
        return await self.store.number_by_phone(number)

    async def get_application(self, account_sid: str, sid: str) -> Application | None:
        return await self.store.get_application(account_sid, sid)

    def number_type(self, number: str) -> str:
        """shortcode, tollfree, mobile or local. A bought number keeps the type the
        inventory sold it as, and the inventory's answer never changes."""
        if _SHORT_CODE.match(number):
            return "shortcode"
        return inventory.classify(number)

    def forget(self, number: str) -> None:
        """Drop what this process remembers about a number (it was bought, changed,
        moved or released)."""
        self._generation += 1
        self._owners.pop(number, None)

    # validation shared by numbers and applications --------------------------------------------
    async def _validate(self, account_sid: str, values: dict[str, Any], allowed: frozenset[str]
                        ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in values.items():
            if name not in allowed:
                raise InvalidParameter(f"Unknown parameter {_wire(name)}", field=_wire(name))
            wire = _wire(name)
            if name in BOOL_FIELDS:
                out[name] = bool(value)
                continue
            if not isinstance(value, str):
                raise InvalidParameter(f"Invalid value for {wire}", field=wire)
            if name in URL_FIELDS or name in CALLBACK_FIELDS:
                if value == "":
                    out[name] = None
                    continue
                if not _http_url(value) or len(value) > 4000:
                    if name in URL_FIELDS:
                        raise _bad(21402, f"{wire} is not a valid URL: {value}", wire)
                    raise _bad(21502, f"{wire} is not a valid callback URL: {value}", wire)
                out[name] = value
            elif name in METHOD_FIELDS:
                method = value.upper()
                if method not in METHODS:
                    raise _bad(21403, f"{wire} must be GET or POST, not {value!r}", wire)
                out[name] = method
            elif name in APP_FIELDS:
                if value == "":
                    out[name] = None
                    continue
                if not is_sid(value, "AP") or await self.store.get_application(
                        account_sid, value) is None:
                    raise _bad(21218, f"{wire} {value} is not an Application of account "
                               f"{account_sid}", wire)
                out[name] = value
            elif name == "api_version":
                if value not in API_VERSIONS:
                    raise InvalidParameter(f"Invalid value for ApiVersion: {value!r}; expected "
                                           "2010-04-01 or 2008-08-01", field="ApiVersion")
                out[name] = value
            elif name == "friendly_name":
                if len(value) > MAX_FRIENDLY_NAME:
                    raise InvalidParameter("FriendlyName can be at most 64 characters long",
                                           field="FriendlyName")
                out[name] = value
            elif name == "voice_receive_mode":
                if value not in ("voice", "fax"):
                    raise InvalidParameter("VoiceReceiveMode must be voice or fax",
                                           field="VoiceReceiveMode")
                out[name] = value
            elif name == "emergency_status":
                if value not in ("Active", "Inactive"):
                    raise InvalidParameter("EmergencyStatus must be Active or Inactive",
                                           field="EmergencyStatus")
                out[name] = value
        return out

    # IncomingPhoneNumbers -------------------------------------------------------------------
    async def _offer(self, phone_number: str | None, area_code: str | None, kind: str | None
                     ) -> inventory.Offer:
        if phone_number is not None and area_code is not None:
            raise InvalidParameter("Give either PhoneNumber or AreaCode, not both",
                                   field="PhoneNumber")
        if phone_number is None and area_code is None:
            raise InvalidParameter("Either PhoneNumber or AreaCode is required",
                                   field="PhoneNumber")
        if area_code is not None:
            return await self._offer_in_area(area_code)
        assert phone_number is not None
        number = normalize_e164(phone_number)
        if number is None or number == inventory.MAGIC_INVALID:
            raise _bad(21421, f"PhoneNumber {phone_number} is invalid.", "PhoneNumber")
        offer = inventory.lookup(number)
        if offer is None:
            if number != inventory.MAGIC_UNAVAILABLE and not phonenumbers.is_valid_number(
                    phonenumbers.parse(number, None)):
                raise _bad(21421, f"PhoneNumber {phone_number} is invalid.", "PhoneNumber")
            raise _bad(21422, f"PhoneNumber {number} is not available.", "PhoneNumber")
        if kind is not None and offer.kind != kind:
            raise _bad(21422, f"PhoneNumber {number} is not available as a {kind} number.",
                       "PhoneNumber")
        if await self.store.number_owner(number) is not None:
            raise _bad(21422, f"PhoneNumber {number} is not available.", "PhoneNumber")
        return offer

    async def _offer_in_area(self, area_code: str) -> inventory.Offer:
        code = area_code.strip()
        if not re.fullmatch(r"[2-9]\d\d", code):
            raise _bad(21451, f"AreaCode {area_code} is not a valid area code.", "AreaCode")
        flt = inventory.SearchFilter(area_code=int(code))
        for cc in ("US", "CA"):
            for offer in await self._available(cc, inventory.LOCAL, flt, 1):
                return offer
        raise _bad(21452, f"No phone numbers found in area code {code}.", "AreaCode")

    async def buy(self, account: Account, *, phone_number: str | None, area_code: str | None,
                  kind: str | None, config: dict[str, Any]) -> IncomingPhoneNumber:
        """CreateIncomingPhoneNumber (kind set for the /Local, /Mobile, /TollFree forms)."""
        values = await self._validate(account.sid, config, NUMBER_FIELDS)
        for _ in range(5):
            offer = await self._offer(phone_number, area_code, kind)
            now = self.clock.now()
            caps = offer.capabilities
            number = IncomingPhoneNumber(
                sid=self.sids("PN"), account_sid=account.sid,
                phone_number=offer.phone_number, friendly_name=offer.friendly_name,
                type=offer.kind, iso_country=offer.country.code, voice_capable=caps.voice,
                sms_capable=caps.sms, mms_capable=caps.mms, fax_capable=caps.fax,
                address_requirements=offer.country.address_requirements,
                beta=offer.country.beta, date_created=now, date_updated=now,
            )
            if not values.get("friendly_name"):
                values.pop("friendly_name", None)
            number = replace(number, **values)
            self.forget(number.phone_number)
            inserted = await self.store.insert_number(number)
            self.forget(number.phone_number)
            if inserted:
                return number
            if area_code is None:  # bought by someone else a moment ago
                raise _bad(21422, f"PhoneNumber {offer.phone_number} is not available.",
                           "PhoneNumber")
        raise _bad(21452, f"No phone numbers found in area code {area_code}.", "AreaCode")

    async def get(self, account_sid: str, sid: str, uri: str) -> IncomingPhoneNumber:
        number = await self.store.get_number(account_sid, sid)
        if number is None:
            raise ResourceNotFound(uri)
        return number

    async def list_numbers(self, account_sid: str, flt: NumberFilter, after: Cursor | None,
                           limit: int) -> Page[IncomingPhoneNumber]:
        if flt.phone_number is not None:
            pattern = re.sub(r"[^0-9*]", "", flt.phone_number)
            # A filter with no digit in it matches nothing; an empty one is no filter.
            flt = replace(flt, phone_number=pattern if flt.phone_number != "" else None)
        return await self.store.list_numbers(account_sid, flt, after=after, limit=limit)

    async def update(self, principal: Account, account_sid: str, sid: str, uri: str, *,
                     new_account_sid: str | None, config: dict[str, Any]) -> IncomingPhoneNumber:
        """UpdateIncomingPhoneNumber; `new_account_sid` moves the number between the
        caller's account and its subaccounts (its Applications do not follow it)."""
        number = await self.get(account_sid, sid, uri)
        target = account_sid
        if new_account_sid is not None and new_account_sid != account_sid:
            target = (await self._transfer_target(principal, new_account_sid)).sid
        values = await self._validate(target, config, NUMBER_FIELDS)
        if "friendly_name" in values and not values["friendly_name"]:
            offer = inventory.lookup(number.phone_number)
            values["friendly_name"] = offer.friendly_name if offer else number.phone_number
        if target != account_sid:
            values["account_sid"] = target
            values.setdefault("sms_application_sid", None)
            values.setdefault("voice_application_sid", None)
        if values:
            values["date_updated"] = self.clock.now()
            self.forget(number.phone_number)
            updated = await self.store.update_number(account_sid, sid, values)
            self.forget(number.phone_number)
            if not updated:
                raise ResourceNotFound(uri)
        return replace(number, **values)

    async def _transfer_target(self, principal: Account, sid: str) -> Account:
        account = await self.store.get_account(sid) if is_sid(sid, "AC") else None
        if account is None or (account.sid != principal.sid
                               and account.owner_account_sid != principal.sid):
            raise _bad(21471, f"Account {sid} does not exist or is not yours to move numbers "
                       "to.", "AccountSid")
        if account.status is not AccountStatus.ACTIVE:
            raise AccountNotActive(f"Account {sid} is {account.status}")
        return account

    async def release(self, account_sid: str, sid: str, uri: str) -> None:
        number = await self.get(account_sid, sid, uri)
        self.forget(number.phone_number)
        deleted = await self.store.delete_number(account_sid, sid)
        self.forget(number.phone_number)
        if not deleted:
            raise ResourceNotFound(uri)

    # AvailablePhoneNumbers --------------------------------------------------------------------
    def country(self, code: str, uri: str) -> inventory.Country:
        found = inventory.country(code)
        if found is None:
            raise ResourceNotFound(uri)
        return found

    async def available(self, code: str, kind: str, flt: inventory.SearchFilter, limit: int,
                        uri: str) -> AvailableNumbers:
        found = self.country(code, uri)
        inventory.validate(flt)
        offers: list[inventory.Offer] = []
        if kind in found.areas:  # a type the country does not offer has no numbers
            offers = await self._available(found.code, kind, flt, min(limit, MAX_AVAILABLE_PAGE))
        return AvailableNumbers(found, kind, offers)

    async def _available(self, code: str, kind: str, flt: inventory.SearchFilter, limit: int
                         ) -> list[inventory.Offer]:
        """Up to `limit` offers nobody owns, in the inventory's order."""
        found: list[inventory.Offer] = []
        stream: Iterator[inventory.Offer] = inventory.search(code, kind, flt)
        batch_size = max(limit * 2, 16)
        while len(found) < limit:
            batch = [offer for _, offer in zip(range(batch_size), stream, strict=False)]
            if not batch:
                break
            owned = await self.store.owned_numbers([o.phone_number for o in batch])
            found += [o for o in batch if o.phone_number not in owned][: limit - len(found)]
        return found

    # Applications ---------------------------------------------------------------------------
    async def create_application(self, account_sid: str, config: dict[str, Any]) -> Application:
        values = await self._validate(account_sid, config, APPLICATION_FIELDS)
        now = self.clock.now()
        app = replace(Application(self.sids("AP"), account_sid, None, now, now), **values)
        await self.store.insert_application(app)
        return app

    async def application(self, account_sid: str, sid: str, uri: str) -> Application:
        app = await self.store.get_application(account_sid, sid)
        if app is None:
            raise ResourceNotFound(uri)
        return app

    async def list_applications(self, account_sid: str, friendly_name: str | None,
                                after: Cursor | None, limit: int) -> Page[Application]:
        return await self.store.list_applications(account_sid, friendly_name=friendly_name,
                                                  after=after, limit=limit)

    async def update_application(self, account_sid: str, sid: str, uri: str,
                                 config: dict[str, Any]) -> Application:
        app = await self.application(account_sid, sid, uri)
        values = await self._validate(account_sid, config, APPLICATION_FIELDS)
        if values:
            values["date_updated"] = self.clock.now()
            if not await self.store.update_application(account_sid, sid, values):
                raise ResourceNotFound(uri)
        return replace(app, **values)

    async def delete_application(self, account_sid: str, sid: str, uri: str) -> None:
        """Numbers that pointed at the application lose the reference, in the same
        transaction; cached ownership is unaffected."""
        if not await self.store.delete_application(account_sid, sid):
            raise ResourceNotFound(uri)
