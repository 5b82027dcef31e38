"""NumberService against an in-memory store: the public methods the message workers use
(owns_sender with its cache, find_by_number, get_application, number_type) and the rules
of buy, update, transfer and release."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from callbox.core.clock import FrozenClock
from callbox.core.entities import Account, AccountStatus, AccountType, Page
from callbox.core.errors import CallboxError
from callbox.core.inventory import SearchFilter
from callbox.core.numbers import Application, IncomingPhoneNumber, NumberFilter, NumberService
from callbox.core.ports import Cursor
from callbox.core.sids import SequentialSids
from callbox.store.sql import schema
from callbox.store.sql.numbers import _APP_FIELDS, _NUMBER_FIELDS

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PARENT = Account("AC" + "a" * 32, "t", "parent", None, AccountStatus.ACTIVE, AccountType.FULL,
                 NOW, NOW, True)
SUB = Account("AC" + "b" * 32, "t", "sub", PARENT.sid, AccountStatus.ACTIVE, AccountType.FULL,
              NOW, NOW)
OTHER = Account("AC" + "c" * 32, "t", "other", None, AccountStatus.ACTIVE, AccountType.FULL,
                NOW, NOW)


class MemoryStore:
    def __init__(self) -> None:
        self.numbers: dict[str, IncomingPhoneNumber] = {}
        self.apps: dict[str, Application] = {}
        self.accounts = {a.sid: a for a in (PARENT, SUB, OTHER)}
        self.owner_queries = 0
        self.gate: asyncio.Event | None = None

    async def get_account(self, sid: str) -> Account | None:
        return self.accounts.get(sid)

    async def get_number(self, account_sid: str, sid: str) -> IncomingPhoneNumber | None:
        n = self.numbers.get(sid)
        return n if n and n.account_sid == account_sid else None

    async def number_by_phone(self, phone_number: str) -> IncomingPhoneNumber | None:
        return next((n for n in self.numbers.values() if n.phone_number == phone_number), None)

    async def number_owner(self, phone_number: str) -> str | None:
        self.owner_queries += 1
        n = await self.number_by_phone(phone_number)  # read, then maybe stall: may go stale
        if self.gate is not None:
            await self.gate.wait()
        return n.account_sid if n else None

    async def owned_numbers(self, phone_numbers: list[str]) -> set[str]:
        owned = {n.phone_number for n in self.numbers.values()}
        return owned & set(phone_numbers)

    async def list_numbers(self, account_sid: str, flt: NumberFilter, *, after: Cursor | None,
                           limit: int) -> Page[IncomingPhoneNumber]:
        found = [n for n in self.numbers.values() if n.account_sid == account_sid
                 and (flt.type is None or n.type == flt.type)]
        return Page(found[:limit], len(found) > limit)

    async def insert_number(self, number: IncomingPhoneNumber) -> bool:
        if await self.number_by_phone(number.phone_number) is not None:
            return False
        self.numbers[number.sid] = number
        return True

    async def update_number(self, account_sid: str, sid: str, changes: dict[str, Any]) -> bool:
        if await self.get_number(account_sid, sid) is None:
            return False
        self.numbers[sid] = replace(self.numbers[sid], **changes)
        return True

    async def delete_number(self, account_sid: str, sid: str) -> bool:
        if await self.get_number(account_sid, sid) is None:
            return False
        del self.numbers[sid]
        return True

    async def insert_application(self, app: Application) -> None:
        self.apps[app.sid] = app

    async def get_application(self, account_sid: str, sid: str) -> Application | None:
        app = self.apps.get(sid)
        return app if app and app.account_sid == account_sid else None

    async def list_applications(self, account_sid: str, *, friendly_name: str | None,
                                after: Cursor | None, limit: int) -> Page[Application]:
        return Page([a for a in self.apps.values() if a.account_sid == account_sid], False)

    async def update_application(self, account_sid: str, sid: str,
                                 changes: dict[str, Any]) -> bool:
        self.apps[sid] = replace(self.apps[sid], **changes)
        return True

    async def delete_application(self, account_sid: str, sid: str) -> bool:
        return self.apps.pop(sid, None) is not None


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def service(store: MemoryStore) -> NumberService:
    return NumberService(store, FrozenClock(NOW), SequentialSids())


def code_of(call: Any) -> int:
    with pytest.raises(CallboxError) as err:
        asyncio.run(call)
    return err.value.code


async def _buy(service: NumberService, account: Account = PARENT, **kw: Any
               ) -> IncomingPhoneNumber:
    kw.setdefault("phone_number", None)
    kw.setdefault("area_code", None)
    kw.setdefault("kind", None)
    kw.setdefault("config", {})
    return await service.buy(account, **kw)


def test_entities_match_their_tables() -> None:
    assert set(_NUMBER_FIELDS) == {c.name for c in schema.incoming_phone_numbers.columns}
    assert set(_APP_FIELDS) == {c.name for c in schema.applications.columns}


def test_number_type(service: NumberService) -> None:
    assert service.number_type("12345") == "shortcode"
    assert service.number_type("898") == "shortcode"
    assert service.number_type("+18885550199") == "tollfree"
    assert service.number_type("+447911123456") == "mobile"
    assert service.number_type("+442079460000") == "local"
    assert service.number_type("+15005550006") == "local"


def test_bought_numbers_keep_their_type(service: NumberService) -> None:
    async def run() -> None:
        for kind in ("local", "mobile", "tollfree"):
            offers = await service._available("US", kind, SearchFilter(), 1)
            bought = await _buy(service, phone_number=offers[0].phone_number)
            assert bought.type == kind == service.number_type(bought.phone_number)

    asyncio.run(run())


def test_owns_sender_and_find_by_number(service: NumberService, store: MemoryStore) -> None:
    async def run() -> None:
        number = await _buy(service, area_code="415")
        assert await service.owns_sender(PARENT.sid, number.phone_number)
        assert not await service.owns_sender(SUB.sid, number.phone_number)
        assert not await service.owns_sender(PARENT.sid, "+14155550100")
        found = await service.find_by_number(number.phone_number)
        assert found is not None and found.sid == number.sid
        assert await service.find_by_number("+14155550100") is None

    asyncio.run(run())


def test_owns_sender_is_cached_and_single_flight(service: NumberService,
                                                 store: MemoryStore) -> None:
    async def run() -> None:
        number = await _buy(service, area_code="212")
        store.owner_queries = 0
        store.gate = asyncio.Event()
        calls = [asyncio.ensure_future(service.owns_sender(PARENT.sid, number.phone_number))
                 for _ in range(20)]
        calls += [asyncio.ensure_future(service.owns_sender(SUB.sid, number.phone_number))]
        await asyncio.sleep(0)
        store.gate.set()
        results = await asyncio.gather(*calls)
        assert results == [True] * 20 + [False]
        assert store.owner_queries == 1
        assert await service.owns_sender(PARENT.sid, number.phone_number)
        assert store.owner_queries == 1  # cached

    asyncio.run(run())


def test_owns_sender_cache_expires(service: NumberService, store: MemoryStore,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import callbox.core.numbers as numbers

    clock = [1000.0]
    monkeypatch.setattr(numbers.time, "monotonic", lambda: clock[0])

    async def run() -> None:
        number = await _buy(service, area_code="212")
        assert await service.owns_sender(PARENT.sid, number.phone_number)
        # another process releases the number: this one notices after two seconds
        store.numbers.clear()
        clock[0] += 1.9
        assert await service.owns_sender(PARENT.sid, number.phone_number)
        clock[0] += 0.2
        assert not await service.owns_sender(PARENT.sid, number.phone_number)

    asyncio.run(run())


def test_local_changes_invalidate_the_cache(service: NumberService) -> None:
    async def run() -> None:
        number = await _buy(service, account=PARENT, area_code="303")
        phone = number.phone_number
        assert await service.owns_sender(PARENT.sid, phone)
        await service.update(PARENT, PARENT.sid, number.sid, "uri", new_account_sid=SUB.sid,
                             config={})
        assert not await service.owns_sender(PARENT.sid, phone)
        assert await service.owns_sender(SUB.sid, phone)
        await service.release(SUB.sid, number.sid, "uri")
        assert not await service.owns_sender(SUB.sid, phone)
        again = await _buy(service, account=OTHER, phone_number=phone)
        assert await service.owns_sender(OTHER.sid, again.phone_number)

    asyncio.run(run())


def test_a_load_racing_a_change_is_not_cached(service: NumberService, store: MemoryStore
                                              ) -> None:
    async def run() -> None:
        number = await _buy(service, area_code="305")
        gate = asyncio.Event()
        store.gate = gate
        stale = asyncio.ensure_future(service.owns_sender(PARENT.sid, number.phone_number))
        for _ in range(3):
            await asyncio.sleep(0)  # the load reads "owned", then stalls
        assert store.owner_queries >= 1
        store.gate = None
        store.owner_queries = 0
        await service.release(PARENT.sid, number.sid, "uri")
        gate.set()
        assert await stale is True  # answered with what it read...
        # ...but not remembered: the release happened while it was in flight
        assert not await service.owns_sender(PARENT.sid, number.phone_number)

    asyncio.run(run())


def test_get_application_is_scoped(service: NumberService) -> None:
    async def run() -> None:
        app = await service.create_application(PARENT.sid, {"friendly_name": "a"})
        assert await service.get_application(PARENT.sid, app.sid) == app
        assert await service.get_application(SUB.sid, app.sid) is None
        assert await service.get_application(PARENT.sid, "AP" + "0" * 32) is None

    asyncio.run(run())


def test_buy_rules(service: NumberService) -> None:
    assert code_of(_buy(service)) == 20001
    assert code_of(_buy(service, phone_number="+14155550100", area_code="415")) == 20001
    assert code_of(_buy(service, phone_number="+15005550001")) == 21421
    assert code_of(_buy(service, phone_number="+15005550000")) == 21422
    assert code_of(_buy(service, area_code="533")) == 21452
    assert code_of(_buy(service, area_code="41")) == 21451
    assert code_of(_buy(service, area_code="415", config={"sms_url": "x"})) == 21402
    assert code_of(_buy(service, area_code="415", config={"status_callback": "x"})) == 21502
    assert code_of(_buy(service, area_code="415", config={"sms_method": "PUT"})) == 21403
    assert code_of(_buy(service, area_code="415",
                        config={"sms_application_sid": "AP" + "0" * 32})) == 21218


def test_methods_are_normalized(service: NumberService) -> None:
    number = asyncio.run(_buy(service, area_code="415", config={"voice_method": "get"}))
    assert number.voice_method == "GET"


def test_transfer_rules(service: NumberService) -> None:
    number = asyncio.run(_buy(service, account=SUB, area_code="512"))
    # a subaccount cannot move its number to its parent; the parent can
    assert code_of(service.update(SUB, SUB.sid, number.sid, "u", new_account_sid=PARENT.sid,
                                  config={})) == 21471
    assert code_of(service.update(PARENT, SUB.sid, number.sid, "u", new_account_sid=OTHER.sid,
                                  config={})) == 21471
    moved = asyncio.run(service.update(PARENT, SUB.sid, number.sid, "u",
                                       new_account_sid=PARENT.sid, config={}))
    assert moved.account_sid == PARENT.sid


def test_unknown_number_is_404(service: NumberService) -> None:
    assert code_of(service.get(PARENT.sid, "PN" + "0" * 32, "u")) == 20404
    assert code_of(service.release(PARENT.sid, "PN" + "0" * 32, "u")) == 20404
    assert code_of(service.delete_application(PARENT.sid, "AP" + "0" * 32, "u")) == 20404
