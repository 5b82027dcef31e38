"""Accounts, subaccounts, API keys and authentication."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from callbox.core.clock import Clock
from callbox.core.entities import Account, AccountStatus, AccountType, ApiKey, Page
from callbox.core.errors import (
    AccountNotActive,
    AuthenticationFailed,
    BadRequest,
    Forbidden,
    ResourceNotFound,
)
from callbox.core.ports import Cursor, Store
from callbox.core.sids import SidFactory, is_sid

__all__ = ["AccountService", "Principal", "hash_secret"]

_CACHE_SECONDS = 2.0
_DUMMY_HASH = hashlib.sha256(b"callbox-dummy").hexdigest()


def hash_secret(secret: str) -> str:
    """API key secrets are 32 random characters: SHA-256 is enough, no slow KDF needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True, frozen=True)
class Principal:
    """Who is calling: an account, through its own token or one of its API keys."""

    account: Account
    key_sid: str | None = None


class AccountService:
    def __init__(self, store: Store, clock: Clock, sids: SidFactory) -> None:
        self.store = store
        self.clock = clock
        self.sids = sids
        self._accounts: dict[str, tuple[float, Account | None]] = {}
        self._keys: dict[str, tuple[float, ApiKey | None]] = {}
        self._verified: dict[tuple[str, str], tuple[float, Principal]] = {}
        self._loading: dict[str, asyncio.Future[Any]] = {}

    # bootstrap ----------------------------------------------------------------------------
    async def ensure_main(self, sid: str | None, token: str | None) -> Account:
        """The main account: fixed by configuration, else found in the store, else created."""
        now = self.clock.now()
        if sid:
            if not is_sid(sid, "AC") or not token:
                raise ValueError("CALLBOX_ACCOUNT_SID must be AC + 32 hex digits, with a token")
            account = await self.store.get_account(sid)
            if account is None:
                account = Account(sid, token, "callbox main account", None,
                                  AccountStatus.ACTIVE, AccountType.FULL, now, now, True)
                await self.store.insert_account(account)
            elif account.auth_token != token or not account.is_main:
                await self.store.update_account(
                    sid, {"auth_token": token, "is_main": True, "date_updated": now}
                )
                account.auth_token, account.is_main = token, True
            return account
        account = await self.store.main_account()
        if account is None:
            account = Account(self.sids("AC"), secrets.token_hex(16), "callbox main account",
                              None, AccountStatus.ACTIVE, AccountType.FULL, now, now, True)
            await self.store.insert_account(account)
        return account

    # authentication -------------------------------------------------------------------------
    async def _cached(self, cache: dict[str, tuple[float, Any]], sid: str,
                      load: Callable[[str], Awaitable[Any]]) -> Any:
        """A short-lived cache with one load in flight per key: when an entry expires
        under load, one query refreshes it and every other request waits for that one."""
        hit = cache.get(sid)
        now = time.monotonic()
        if hit and hit[0] > now:
            return hit[1]
        pending = self._loading.get(sid)
        if pending is None:
            pending = asyncio.ensure_future(load(sid))
            self._loading[sid] = pending
            try:
                value = await pending
                cache[sid] = (time.monotonic() + _CACHE_SECONDS, value)
                return value
            finally:
                self._loading.pop(sid, None)
        return await asyncio.shield(pending)

    async def _cached_account(self, sid: str) -> Account | None:
        return await self._cached(self._accounts, sid, self.store.get_account)  # type: ignore[no-any-return]

    async def _cached_key(self, sid: str) -> ApiKey | None:
        return await self._cached(self._keys, sid, self.store.get_key)  # type: ignore[no-any-return]

    async def account(self, sid: str) -> Account | None:
        """An account by SID, from the short-lived cache (workers signing webhooks)."""
        return await self._cached_account(sid)

    def forget(self, sid: str) -> None:
        self._accounts.pop(sid, None)
        self._keys.pop(sid, None)
        for pair in [p for p, (_, who) in self._verified.items()
                     if sid in (p[0], who.account.sid, who.account.owner_account_sid)]:
            self._verified.pop(pair, None)

    async def authenticate(self, username: str, password: str) -> Principal:
        """Constant-time checks; an unknown user costs the same comparison as a known one.
        A verified pair is remembered for the cache period (a dict lookup compares keys
        only when their keyed hashes already match, so it leaks nothing about secrets)."""
        hit = self._verified.get((username, password))
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        principal = await self._verify(username, password)
        self._verified[(username, password)] = (time.monotonic() + _CACHE_SECONDS, principal)
        if len(self._verified) > 10_000:
            self._verified.clear()
        return principal

    async def _verify(self, username: str, password: str) -> Principal:
        if is_sid(username, "SK"):
            key = await self._cached_key(username)
            expected = key.secret_hash if key else _DUMMY_HASH
            if not hmac.compare_digest(expected, hash_secret(password)) or key is None:
                raise AuthenticationFailed()
            account = await self._cached_account(key.account_sid)
            if account is None:
                raise AuthenticationFailed()
            principal = Principal(account, key.sid)
        elif is_sid(username, "AC"):
            account = await self._cached_account(username)
            expected = account.auth_token if account else secrets.token_hex(16)
            if not hmac.compare_digest(expected.encode(), password.encode()) or account is None:
                raise AuthenticationFailed()
            principal = Principal(account)
        else:
            raise AuthenticationFailed()
        if principal.account.status is not AccountStatus.ACTIVE:
            raise AccountNotActive(f"Account {principal.account.sid} is {principal.account.status}")
        return principal

    async def target(self, principal: Principal, account_sid: str, uri: str) -> Account:
        """The account a request acts on: the caller's own, or one of its subaccounts."""
        if account_sid == principal.account.sid:
            return principal.account
        account = await self._cached_account(account_sid)
        if account is None or account.owner_account_sid != principal.account.sid:
            raise ResourceNotFound(uri)
        return account

    @staticmethod
    def require_active(account: Account) -> None:
        if account.status is not AccountStatus.ACTIVE:
            raise AccountNotActive(f"Account {account.sid} is {account.status}")

    @staticmethod
    def require_account_credentials(principal: Principal) -> None:
        """Standard API keys reach everything but the Accounts and Keys resources."""
        if principal.key_sid is not None:
            raise Forbidden("API keys cannot manage Accounts or Keys; use the Auth Token")

    # accounts ------------------------------------------------------------------------------
    async def list_accounts(
        self, principal: Principal, *, friendly_name: str | None, status: str | None,
        after: Cursor | None, limit: int,
    ) -> Page[Account]:
        return await self.store.list_accounts(
            principal.account.sid, friendly_name=friendly_name, status=status,
            after=after, limit=limit,
        )

    async def create_subaccount(self, principal: Principal, friendly_name: str | None) -> Account:
        parent = principal.account
        if parent.owner_account_sid is not None:
            raise Forbidden("A subaccount cannot create subaccounts")
        now = self.clock.now()
        sid = self.sids("AC")
        account = Account(
            sid, secrets.token_hex(16),
            friendly_name or f"SubAccount Created at {now:%Y-%m-%d %I:%M %p}",
            parent.sid, AccountStatus.ACTIVE, parent.type, now, now,
        )
        await self.store.insert_account(account)
        return account

    async def update_account(
        self, principal: Principal, account: Account, friendly_name: str | None, status: str | None
    ) -> Account:
        changes: dict[str, Any] = {}
        if friendly_name is not None:
            changes["friendly_name"] = friendly_name
        if status is not None:
            new = AccountStatus(status)
            if account.sid == principal.account.sid and new is not account.status:
                raise Forbidden("An account cannot change its own status; its parent can")
            if account.status is AccountStatus.CLOSED and new is not AccountStatus.CLOSED:
                raise BadRequest("A closed account cannot be reopened", code=20001)
            changes["status"] = new.value
        if changes:
            changes["date_updated"] = self.clock.now()
            await self.store.update_account(account.sid, changes)
            self.forget(account.sid)
            refreshed = await self.store.get_account(account.sid)
            assert refreshed is not None
            return refreshed
        return account

    # keys -----------------------------------------------------------------------------------
    async def create_key(self, account: Account, friendly_name: str | None) -> tuple[ApiKey, str]:
        now = self.clock.now()
        secret = secrets.token_urlsafe(24)[:32]
        key = ApiKey(self.sids("SK"), account.sid, friendly_name or "", hash_secret(secret),
                     now, now)
        await self.store.insert_key(key)
        return key, secret

    async def get_key(self, account: Account, sid: str, uri: str) -> ApiKey:
        key = await self.store.get_key(sid)
        if key is None or key.account_sid != account.sid:
            raise ResourceNotFound(uri)
        return key

    async def update_key(self, key: ApiKey, friendly_name: str | None) -> ApiKey:
        if friendly_name is not None:
            key.friendly_name = friendly_name
            key.date_updated = self.clock.now()
            await self.store.update_key(
                key.sid, {"friendly_name": friendly_name, "date_updated": key.date_updated}
            )
            self.forget(key.sid)
        return key

    async def delete_key(self, account: Account, sid: str, uri: str) -> None:
        if not await self.store.delete_key(account.sid, sid):
            raise ResourceNotFound(uri)
        self.forget(sid)
