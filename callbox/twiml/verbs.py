"""The Messaging TwiML verbs callbox runs, as plain values."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MessageVerb", "RedirectVerb", "Verb"]


@dataclass(frozen=True, slots=True)
class MessageVerb:
    """``<Message>`` (or legacy ``<Sms>``): send ``body`` and ``media`` as a reply.

    ``to``/``from_`` are None when absent (reply to the sender, from the number written
    to). ``method`` is ``GET``/``POST`` or None when absent; ``action``,
    ``status_callback`` and media URLs are kept as written, relative ones included.
    """

    body: str
    media: tuple[str, ...] = ()
    to: str | None = None
    from_: str | None = None
    action: str | None = None
    method: str | None = None
    status_callback: str | None = None


@dataclass(frozen=True, slots=True)
class RedirectVerb:
    """``<Redirect>``: fetch the TwiML at ``url`` (as written, maybe relative) and run it."""

    url: str
    method: str = "POST"


Verb = MessageVerb | RedirectVerb
