"""The simulated carrier. Every number that no account owns is a virtual handset; what
happens to a text sent to it is decided by rules, most specific first:

    the account's rule for that number      (set with PUT /sim/v1/Rules/{number})
    the rules file's rule for that number   (CALLBOX_SIM_RULES_FILE)
    the account's default rule ("*")
    the rules file's [defaults]
    delivered, with the configured latencies (0 ms each by default: fast)

A rule gives an outcome (delivered, undelivered or failed), a Twilio 300xx error code
for the failing ones, and latencies in milliseconds for each step:
queued ─sending_ms─► sending ─sent_ms─► sent ─delivered_ms─► delivered | undelivered
(`failed` replaces `sent`: the carrier refused the message).

A handset's inbox is the carrier edge: the worker writes the inbox entry together with
the `delivered` step, keyed by the message's idempotency key, so a message reaches a
handset at most once whatever restarts happen in between.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callbox.channels.base import Receipt, Submission
from callbox.core.entities import MessageStatus
from callbox.core.errors import InvalidParameter

__all__ = ["DELIVERY_ERRORS", "Rule", "SimNetwork", "error_message", "load_rules_file"]

# Twilio's delivery error codes and the status each one ends in (failed: the carrier
# refused the message; undelivered: it was sent but never reached the handset).
DELIVERY_ERRORS: dict[int, tuple[MessageStatus, str]] = {
    30001: (MessageStatus.FAILED, "Queue overflow"),
    30002: (MessageStatus.FAILED, "Account suspended"),
    30003: (MessageStatus.UNDELIVERED, "Unreachable destination handset"),
    30004: (MessageStatus.UNDELIVERED, "Message blocked"),
    30005: (MessageStatus.UNDELIVERED, "Unknown destination handset"),
    30006: (MessageStatus.UNDELIVERED, "Landline or unreachable carrier"),
    30007: (MessageStatus.UNDELIVERED, "Message filtered"),
    30008: (MessageStatus.UNDELIVERED, "Unknown error"),
    30010: (MessageStatus.UNDELIVERED, "Message price exceeds max price"),
    30034: (MessageStatus.UNDELIVERED, "Message from an unregistered number"),
    30036: (MessageStatus.FAILED, "Validity period expired"),
}
_OUTCOMES = {"delivered": MessageStatus.DELIVERED, "undelivered": MessageStatus.UNDELIVERED,
             "failed": MessageStatus.FAILED}
_DEFAULT_CODE = {MessageStatus.UNDELIVERED: 30003, MessageStatus.FAILED: 30008}


@dataclass(slots=True, frozen=True)
class Rule:
    outcome: str | None = None
    error_code: int | None = None
    sending_ms: int | None = None
    sent_ms: int | None = None
    delivered_ms: int | None = None

    @classmethod
    def parse(cls, data: dict[str, Any], where: str = "rule") -> Rule:
        """A rule from JSON/TOML/form data; refuses what it cannot use."""
        unknown = set(data) - {"outcome", "error_code", "sending_ms", "sent_ms",
                               "delivered_ms", "number"}
        if unknown:
            raise InvalidParameter(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        outcome = data.get("outcome")
        if outcome is not None and outcome not in _OUTCOMES:
            raise InvalidParameter(f"{where}: outcome must be delivered, undelivered or failed",
                                   field="outcome")
        code = _int(data, "error_code", where, 30001, 30999)
        if code is not None and outcome == "delivered":
            raise InvalidParameter(f"{where}: a delivered outcome takes no error_code",
                                   field="error_code")
        return cls(
            outcome=outcome,
            error_code=code,
            sending_ms=_int(data, "sending_ms", where, 0, 3_600_000),
            sent_ms=_int(data, "sent_ms", where, 0, 3_600_000),
            delivered_ms=_int(data, "delivered_ms", where, 0, 3_600_000),
        )

    def over(self, base: Rule) -> Rule:
        """This rule, with `base` filling what it leaves unset."""
        return Rule(
            outcome=self.outcome if self.outcome is not None or self.error_code else base.outcome,
            error_code=self.error_code if self.outcome is not None or self.error_code
            else base.error_code,
            sending_ms=self.sending_ms if self.sending_ms is not None else base.sending_ms,
            sent_ms=self.sent_ms if self.sent_ms is not None else base.sent_ms,
            delivered_ms=self.delivered_ms if self.delivered_ms is not None
            else base.delivered_ms,
        )

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "error_code": self.error_code,
                "sending_ms": self.sending_ms, "sent_ms": self.sent_ms,
                "delivered_ms": self.delivered_ms}


def _int(data: dict[str, Any], name: str, where: str, lo: int, hi: int) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{where}: {name} must be an integer", field=name) from None
    if isinstance(value, bool) or not lo <= number <= hi:
        raise InvalidParameter(f"{where}: {name} must be between {lo} and {hi}", field=name)
    return number


def load_rules_file(path: Path) -> tuple[Rule, dict[str, Rule]]:
    """`[defaults]` and `[numbers."+1555…"]` tables from TOML (or the same shape in JSON)."""
    raw = path.read_bytes()
    data: dict[str, Any] = (json.loads(raw) if path.suffix == ".json"
                            else tomllib.loads(raw.decode("utf-8")))
    defaults = Rule.parse(data.get("defaults", {}), f"{path}: [defaults]")
    numbers = {
        number: Rule.parse(rule, f"{path}: [numbers.{number}]")
        for number, rule in data.get("numbers", {}).items()
    }
    return defaults, numbers


class SimNetwork:
    name = "sim"

    def __init__(self, *, defaults: Rule | None = None,
                 file_rules: dict[str, Rule] | None = None) -> None:
        self.base = Rule("delivered", None, 0, 0, 0)
        self.defaults = (defaults or Rule()).over(self.base)
        self.file_rules = file_rules or {}
        self.account_rules: dict[tuple[str, str], Rule] = {}

    def load(self, rows: Sequence[dict[str, Any]]) -> None:
        """Replace the accounts' rules with the stored ones."""
        self.account_rules = {
            (r["account_sid"], r["number"]): Rule(r["outcome"], r["error_code"], r["sending_ms"],
                                                  r["sent_ms"], r["delivered_ms"])
            for r in rows
        }

    def set_rule(self, account_sid: str, number: str, rule: Rule | None) -> None:
        if rule is None:
            self.account_rules.pop((account_sid, number), None)
        else:
            self.account_rules[(account_sid, number)] = rule

    def rule_for(self, account_sid: str, number: str) -> Rule:
        rule = self.defaults
        if (default := self.account_rules.get((account_sid, "*"))) is not None:
            rule = default.over(rule)
        if (filed := self.file_rules.get(number)) is not None:
            rule = filed.over(rule)
        if (own := self.account_rules.get((account_sid, number))) is not None:
            rule = own.over(rule)
        return rule

    def plan(self, sub: Submission) -> Receipt:
        rule = self.rule_for(sub.account_sid, sub.to) if self.account_rules or \
            self.file_rules else self.defaults
        final = _OUTCOMES[rule.outcome or "delivered"]
        code = rule.error_code
        if code is not None and rule.outcome is None:
            final = DELIVERY_ERRORS.get(code, (MessageStatus.UNDELIVERED, ""))[0]
        if final is not MessageStatus.DELIVERED and code is None:
            code = _DEFAULT_CODE[final]
        return Receipt(
            accepted=final is not MessageStatus.FAILED,
            error_code=code if final is not MessageStatus.DELIVERED else None,
            final=final,
            sending_after=(rule.sending_ms or 0) / 1000,
            sent_after=(rule.sent_ms or 0) / 1000,
            report_after=(rule.delivered_ms or 0) / 1000,
        )

    async def submit(self, batch: Sequence[Submission]) -> list[Receipt]:
        return [self.plan(sub) for sub in batch]


def error_message(code: int | None) -> str | None:
    if code is None:
        return None
    return DELIVERY_ERRORS.get(code, (MessageStatus.UNDELIVERED, "Unknown error"))[1]

