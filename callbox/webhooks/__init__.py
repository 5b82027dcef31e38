"""Webhook signing and connection overrides (pure functions; delivery lives elsewhere)."""

from callbox.webhooks.overrides import Overrides, parse_overrides, should_retry
from callbox.webhooks.signature import sign, sign_json_body, validate

__all__ = [
    "Overrides",
    "parse_overrides",
    "should_retry",
    "sign",
    "sign_json_body",
    "validate",
]
