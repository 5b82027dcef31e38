"""What the simulator API does: rules per number, handsets' inboxes, the webhook log."""

from __future__ import annotations

from typing import Any

from callbox.channels.sim.network import Rule, SimNetwork
from callbox.core.addresses import normalize_e164
from callbox.core.clock import Clock, from_micros, to_micros
from callbox.core.entities import InboxEntry, Page, WebhookAttempt
from callbox.core.errors import InvalidParameter
from callbox.core.ports import Cursor

__all__ = ["SimService"]


def _rule_view(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row.get(k) for k in ("number", "outcome", "error_code", "sending_ms", "sent_ms",
                                    "delivered_ms")}
    out["date_created"] = from_micros(row["date_created"])
    out["date_updated"] = from_micros(row["date_updated"])
    return out


class SimService:
    def __init__(self, store: Any, clock: Clock, network: SimNetwork) -> None:
        self.store = store
        self.clock = clock
        self.network = network

    @staticmethod
    def rule_number(number: str) -> str:
        """`*` (the account's default) or an E.164 number, normalized."""
        if number == "*":
            return number
        e164 = normalize_e164(number)
        if e164 is None:
            raise InvalidParameter(f"{number} is not an E.164 phone number (or '*')",
                                   field="number")
        return e164

    async def set_rule(self, account_sid: str, number: str, rule: Rule) -> dict[str, Any]:
        number = self.rule_number(number)
        now = to_micros(self.clock.now())
        existing = {r["number"]: r for r in await self.store.list_rules(account_sid)}
        created = existing[number]["date_created"] if number in existing else now
        row = {"account_sid": account_sid, "number": number, **rule.to_dict(),
               "date_created": created, "date_updated": now}
        await self.store.put_rule(row)
        self.network.set_rule(account_sid, number, rule)
        return _rule_view(row)

    async def rules(self, account_sid: str) -> list[dict[str, Any]]:
        return [_rule_view(r) for r in await self.store.list_rules(account_sid)]

    async def rule(self, account_sid: str, number: str) -> dict[str, Any] | None:
        number = self.rule_number(number)
        for r in await self.store.list_rules(account_sid):
            if r["number"] == number:
                return _rule_view(r)
        return None

    async def delete_rule(self, account_sid: str, number: str) -> bool:
        number = self.rule_number(number)
        removed = bool(await self.store.delete_rule(account_sid, number))
        if removed:
            self.network.set_rule(account_sid, number, None)
        return removed

    async def inbox(self, account_sid: str, handset: str, cursor: Cursor | None,
                    limit: int) -> Page[InboxEntry]:
        e164 = normalize_e164(handset) or handset
        return await self.store.list_inbox(  # type: ignore[no-any-return]
            account_sid, e164, after=cursor, limit=limit)

    async def attempts(self, account_sid: str, resource_sid: str | None,
                       cursor: Cursor | None, limit: int) -> Page[WebhookAttempt]:
        return await self.store.list_attempts(  # type: ignore[no-any-return]
            account_sid, resource_sid=resource_sid, after=cursor, limit=limit)

    async def attempt(self, account_sid: str, sid: str) -> WebhookAttempt | None:
        return await self.store.get_attempt(account_sid, sid)  # type: ignore[no-any-return]
