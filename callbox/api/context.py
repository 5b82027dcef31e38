"""What a handler gets: the operation, who is calling, on which account, typed parameters,
and helpers that build URIs and list pages the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from callbox.api.protocol.paging import PageRequest, list_envelope, page_request
from callbox.core.entities import Account, Page
from callbox.spec.loader import Operation

if TYPE_CHECKING:
    from callbox.core.accounts import Principal
    from callbox.services import Services

__all__ = ["RequestContext"]

T = TypeVar("T")


@dataclass(slots=True)
class RequestContext:
    op: Operation
    services: Services
    principal: Principal
    account: Account  # the account the path names (the caller's own or a subaccount)
    path_params: dict[str, str]
    params: dict[str, Any]
    query: list[tuple[str, str]]
    path: str  # request path without the format extension
    ext: str  # ".json", ".xml", ".csv", ".html" or "" as requested
    request_id: str = ""
    status: int | None = None

    @property
    def uri(self) -> str:
        """The requested resource, as Twilio names it in 404 messages."""
        return self.path + self.ext

    def page_request(self) -> PageRequest:
        return page_request(self.params)

    def list_page(
        self, key: str, page: Page[T], render: Callable[[T], dict[str, Any]], req: PageRequest
    ) -> dict[str, Any]:
        return list_envelope(key, page, render, req, self.path + self.ext, self.query)
