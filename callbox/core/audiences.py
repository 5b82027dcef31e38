"""Audiences of the Communications API: named lists of recipients (members) that a
POST /v1/Messages request can address as a whole (`{"audienceId": …}`).

    create(account, body)           name 1..256, description ≤ 1024 or null, tags, members
    update(account, id, body)       any of name, description, tags
    change_members(account, id, body)   {"add": [member], "remove": [address]}
    targets(account, id)            every member as (address, channel, variables), oldest
                                    first, or None (the bulk Messages fan-out's input)

A member is `{address, channel: PHONE | WHATSAPP, variables: {str: str}}`; the address is
kept as a bare E.164 number (a `whatsapp:` prefix implies, and fits, the WHATSAPP channel),
once per audience: adding it again updates its channel and variables. Validation reports
every problem it finds (`ValidationFailed`), each with its field as a JSON path such as
`members[3].address`; an unknown or malformed id is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callbox.core.addresses import normalize_e164
from callbox.core.clock import Clock
from callbox.core.comms_ids import comms_id, new_id
from callbox.core.entities import Page
from callbox.core.errors import ResourceNotFound, ValidationFailed
from callbox.core.ports import Cursor
from callbox.core.tags import shown, tags_value, variables_value

__all__ = [
    "CHANNELS",
    "MAX_DESCRIPTION",
    "MAX_MEMBERS",
    "MAX_MEMBERS_PER_REQUEST",
    "MAX_NAME",
    "Audience",
    "AudienceMember",
    "AudienceService",
    "MemberInput",
    "MembersChange",
]

MAX_NAME = 256
MAX_DESCRIPTION = 1024
MAX_MEMBERS = 100_000
MAX_MEMBERS_PER_REQUEST = 10_000
CHANNELS = ("PHONE", "WHATSAPP")
_WHATSAPP = "whatsapp:"

_CREATE_FIELDS = ("name", "description", "tags", "members")
_UPDATE_FIELDS = ("name", "description", "tags")
_MEMBERS_FIELDS = ("add", "remove")
_MEMBER_FIELDS = ("address", "channel", "variables")

Problems = list[tuple[int, str, str | None]]
# (address, channel, variables): what the store keeps of a member, and the fan-out's input.
MemberInput = tuple[str, str, dict[str, str]]


@dataclass(slots=True, frozen=True)
class Audience:
    sid: str  # comms_audience_…
    account_sid: str
    name: str
    description: str | None
    tags: dict[str, str]
    member_count: int
    date_created: datetime
    date_updated: datetime


@dataclass(slots=True, frozen=True)
class AudienceMember:
    audience_sid: str
    address: str  # bare E.164
    channel: str  # PHONE | WHATSAPP
    variables: dict[str, str]
    date_created: datetime


@dataclass(slots=True, frozen=True)
class MembersChange:
    added: int
    removed: int
    member_count: int


def _failed(problems: Problems) -> ValidationFailed:
    return ValidationFailed(problems)


def _tags(value: Any, problems: Problems) -> dict[str, str]:
    return dict(tags_value(value, "tags", problems))


def _not_found(audience_id: str) -> ResourceNotFound:
    return ResourceNotFound(f"/Audiences/{audience_id}")


def _unknown_fields(data: dict[str, Any], allowed: tuple[str, ...], prefix: str,
                    problems: Problems) -> None:
    for name in data:
        if name not in allowed:
            problems.append((20001, f"Unknown field {shown(name)!r} (expected one of "
                                    f"{', '.join(allowed)})", f"{prefix}{shown(name)}"))


def _name(value: Any, problems: Problems) -> str:
    if not isinstance(value, str):
        problems.append((20001, "name must be a string", "name"))
        return ""
    if not 1 <= len(value) <= MAX_NAME:
        problems.append((20001, f"name must be 1 to {MAX_NAME} characters", "name"))
    return value


def _description(value: Any, problems: Problems) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append((20001, "description must be a string or null", "description"))
        return None
    if len(value) > MAX_DESCRIPTION:
        problems.append((20001, f"description must be at most {MAX_DESCRIPTION} characters",
                         "description"))
    return value


def _bare_number(raw: str) -> tuple[str | None, bool]:
    """(the E.164 number of `raw`, whether it carried a `whatsapp:` prefix)."""
    text = raw.strip()
    prefixed = text[:len(_WHATSAPP)].lower() == _WHATSAPP
    if prefixed:
        text = text[len(_WHATSAPP):]
    return normalize_e164(text), prefixed


def _variables(value: Any, field: str, problems: Problems) -> dict[str, str]:
    return dict(variables_value(value, field, problems))


def _member(value: Any, field: str, problems: Problems) -> MemberInput | None:
    if not isinstance(value, dict):
        problems.append((20001, "A member must be an object {address, channel, variables}",
                         field))
        return None
    before = len(problems)
    _unknown_fields(value, _MEMBER_FIELDS, f"{field}.", problems)
    channel = value.get("channel")
    if channel is not None and channel not in CHANNELS:
        problems.append((20001, f"channel must be one of {', '.join(CHANNELS)}",
                         f"{field}.channel"))
    variables = _variables(value.get("variables"), f"{field}.variables", problems)
    raw = value.get("address")
    address: str | None = None
    if raw is None:
        problems.append((20001, "address is required", f"{field}.address"))
    elif not isinstance(raw, str):
        problems.append((20001, "address must be a string", f"{field}.address"))
    else:
        address, prefixed = _bare_number(raw)
        if channel is None:
            channel = "WHATSAPP" if prefixed else "PHONE"
        if address is None:
            problems.append((20001, f"{raw[:64]!r} is not an E.164 phone number",
                             f"{field}.address"))
        elif prefixed and channel != "WHATSAPP":
            problems.append((20001, "A whatsapp: address needs the WHATSAPP channel",
                             f"{field}.address"))
    if len(problems) > before or address is None or channel is None:
        return None
    return address, channel, variables


def _members(value: Any, field: str, problems: Problems) -> list[MemberInput]:
    """The valid members, one per address (the last one given wins)."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append((20001, f"{field} must be an array of members", field))
        return []
    if len(value) > MAX_MEMBERS_PER_REQUEST:
        problems.append((20001, f"At most {MAX_MEMBERS_PER_REQUEST} members per request, "
                                f"got {len(value)}", field))
        return []
    out: dict[str, MemberInput] = {}
    for i, item in enumerate(value):
        member = _member(item, f"{field}[{i}]", problems)
        if member is not None:
            out[member[0]] = member
    return list(out.values())


def _removals(value: Any, problems: Problems) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append((20001, "remove must be an array of addresses", "remove"))
        return []
    if len(value) > MAX_MEMBERS_PER_REQUEST:
        problems.append((20001, f"At most {MAX_MEMBERS_PER_REQUEST} addresses per request, "
                                f"got {len(value)}", "remove"))
        return []
    out: dict[str, None] = {}
    for i, raw in enumerate(value):
        if not isinstance(raw, str):
            problems.append((20001, "An address must be a string", f"remove[{i}]"))
            continue
        address, _ = _bare_number(raw)
        if address is None:
            problems.append((20001, f"{raw[:64]!r} is not an E.164 phone number",
                             f"remove[{i}]"))
            continue
        out[address] = None
    return list(out)


class AudienceService:
    def __init__(self, store: Any, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def create(self, account_sid: str, data: dict[str, Any]) -> Audience:
        problems: Problems = []
        _unknown_fields(data, _CREATE_FIELDS, "", problems)
        if "name" not in data:
            problems.append((20001, "name is required", "name"))
            name = ""
        else:
            name = _name(data["name"], problems)
        description = _description(data.get("description"), problems)
        tags = _tags(data.get("tags"), problems)
        members = _members(data.get("members"), "members", problems)
        if problems:
            raise _failed(problems)
        now = self.clock.now()
        audience = Audience(sid=new_id("audience"), account_sid=account_sid, name=name,
                            description=description, tags=tags,
                            member_count=len(members), date_created=now, date_updated=now)
        await self.store.create_audience(audience, members)
        return audience

    async def get(self, account_sid: str, audience_id: str) -> Audience:
        audience: Audience | None = None
        if comms_id(audience_id, "audience") is not None:
            audience = await self.store.get_audience(account_sid, audience_id)
        if audience is None:
            raise _not_found(audience_id)
        return audience

    async def list_audiences(self, account_sid: str, after: Cursor | None, limit: int
                   ) -> Page[Audience]:
        page: Page[Audience] = await self.store.list_audiences(account_sid, after, limit)
        return page

    async def update(self, account_sid: str, audience_id: str, data: dict[str, Any]
                     ) -> Audience:
        if comms_id(audience_id, "audience") is None:
            raise _not_found(audience_id)
        problems: Problems = []
        _unknown_fields(data, _UPDATE_FIELDS, "", problems)
        changes: dict[str, Any] = {}
        if "name" in data:
            changes["name"] = _name(data["name"], problems)
        if "description" in data:
            changes["description"] = _description(data["description"], problems)
        if "tags" in data:
            changes["tags"] = _tags(data["tags"], problems)
        if problems:
            raise _failed(problems)
        if changes:
            changes["date_updated"] = self.clock.now()
            if not await self.store.update_audience(account_sid, audience_id, changes):
                raise _not_found(audience_id)
        return await self.get(account_sid, audience_id)

    async def delete(self, account_sid: str, audience_id: str) -> None:
        if comms_id(audience_id, "audience") is None or not await self.store.delete_audience(
                account_sid, audience_id):
            raise _not_found(audience_id)

    async def list_members(self, account_sid: str, audience_id: str, after: Cursor | None,
                      limit: int) -> Page[AudienceMember]:
        await self.get(account_sid, audience_id)
        page: Page[AudienceMember] = await self.store.list_members(
            account_sid, audience_id, after, limit)
        return page

    async def change_members(self, account_sid: str, audience_id: str, data: dict[str, Any]
                             ) -> MembersChange:
        """Removals first, then additions (an address in both ends up a member); an
        address already in the audience is updated, not counted as added."""
        if comms_id(audience_id, "audience") is None:
            raise _not_found(audience_id)
        problems: Problems = []
        _unknown_fields(data, _MEMBERS_FIELDS, "", problems)
        add = _members(data.get("add"), "add", problems)
        remove = _removals(data.get("remove"), problems)
        if problems:
            raise _failed(problems)
        result = await self.store.change_members(account_sid, audience_id, add, remove,
                                                 self.clock.now(), MAX_MEMBERS)
        if result is None:
            raise _not_found(audience_id)
        added, removed, count = result
        return MembersChange(added=added, removed=removed, member_count=count)

    async def targets(self, account_sid: str, audience_id: str) -> list[MemberInput] | None:
        """Every member (address, channel, variables), oldest first; None when the account
        has no such audience (or `audience_id` is not an audience id)."""
        if comms_id(audience_id, "audience") is None:
            return None
        targets: list[MemberInput] | None = await self.store.audience_targets(
            account_sid, audience_id)
        if not targets and await self.store.get_audience(account_sid, audience_id) is None:
            return None  # deleted between the store's two reads
        return targets
