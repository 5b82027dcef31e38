"""Messaging TwiML: parse a webhook's reply into verbs (see `callbox.twiml.parser`)."""

from callbox.twiml.errors import TwimlCode, TwimlError, TwimlWarning
from callbox.twiml.parser import (
    MAX_BODY_CHARS,
    MAX_DOCUMENT_BYTES,
    MAX_MEDIA,
    MAX_MESSAGES,
    parse_messaging,
    parse_messaging_with_warnings,
)
from callbox.twiml.verbs import MessageVerb, RedirectVerb, Verb

__all__ = [
    "MAX_BODY_CHARS",
    "MAX_DOCUMENT_BYTES",
    "MAX_MEDIA",
    "MAX_MESSAGES",
    "MessageVerb",
    "RedirectVerb",
    "TwimlCode",
    "TwimlError",
    "TwimlWarning",
    "Verb",
    "parse_messaging",
    "parse_messaging_with_warnings",
]
