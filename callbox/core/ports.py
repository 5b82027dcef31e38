"""What the domain needs from the outside world, as Protocols. `store/` implements them;
`cli` wires them in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from callbox.core.entities import Account, ApiKey, Feedback, Job, Media, Message, Page

__all__ = ["Cursor", "MessageFilter", "Store"]

@dataclass(slots=True, frozen=True)
class Cursor:
    """A keyset position: (date_created, sid) of a record already seen. Lists run newest
    first; `backward` asks for the records just before it (the previous page)."""

    created: datetime
    sid: str
    backward: bool = False
    offset: int = 0  # only for `Page=N` without a PageToken (old clients)


@dataclass(slots=True, frozen=True)
class MessageFilter:
    to: str | None = None
    from_: str | None = None
    sent_from: datetime | None = None  # inclusive
    sent_until: datetime | None = None  # exclusive


class Store(Protocol):
    # accounts
    async def get_account(self, sid: str) -> Account | None: ...
    async def main_account(self) -> Account | None: ...
    async def list_accounts(
        self, root_sid: str, *, friendly_name: str | None, status: str | None,
        after: Cursor | None, limit: int,
    ) -> Page[Account]: ...
    async def insert_account(self, account: Account) -> None: ...
    async def update_account(self, sid: str, changes: dict[str, Any]) -> None: ...

    # API keys
    async def get_key(self, sid: str) -> ApiKey | None: ...
    async def list_keys(self, account_sid: str, *, after: Cursor | None, limit: int) -> Page[ApiKey]: ...
    async def insert_key(self, key: ApiKey) -> None: ...
    async def update_key(self, sid: str, changes: dict[str, Any]) -> None: ...
    async def delete_key(self, account_sid: str, sid: str) -> bool: ...

    # messages
    async def create_message(self, message: Message, media: list[Media], jobs: list[Job]) -> None: ...
    async def get_message(self, account_sid: str, sid: str) -> Message | None: ...
    async def list_messages(
        self, account_sid: str, flt: MessageFilter, *, after: Cursor | None, limit: int
    ) -> Page[Message]: ...
    async def update_message(
        self, account_sid: str, sid: str, changes: dict[str, Any],
        *, only_if_status: frozenset[str] | None = None, cancel_jobs: bool = False,
    ) -> bool: ...
    async def delete_message(self, account_sid: str, sid: str,
                             statuses: Iterable[str] | None = None) -> bool: ...

    # media and feedback
    async def list_media(
        self, account_sid: str, message_sid: str, *, created_from: datetime | None,
        created_until: datetime | None, after: Cursor | None, limit: int,
    ) -> Page[Media]: ...
    async def get_media(self, account_sid: str, message_sid: str, sid: str) -> Media | None: ...
    async def delete_media(self, account_sid: str, message_sid: str, sid: str) -> bool: ...
    async def upsert_feedback(self, feedback: Feedback) -> Feedback: ...
