"""Tags of the Communications API (at most 10 string pairs, key 1..128 and value at most
128 characters) and template variables (at most 50 names of 1..64 characters, values of at
most 1,600: a message's text, so one variable can fill a message but not blow it up; 4,096
characters in all)."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_TAGS", "MAX_TAG_LENGTH", "MAX_VARIABLES", "MAX_VARIABLE_LENGTH",
           "MAX_VARIABLE_NAME", "MAX_VARIABLES_SIZE", "shown", "tags_value", "variables_value"]

MAX_TAGS = 10
MAX_TAG_LENGTH = 128
MAX_VARIABLES = 50
MAX_VARIABLE_NAME = 64
MAX_VARIABLE_LENGTH = 1600
MAX_VARIABLES_SIZE = 4096  # names and values of one object together: bounds what an
# audience of 100,000 members (and the operation that snapshots it) can hold


def shown(name: str, limit: int = 40) -> str:
    """A client-chosen name as quoted back in an error (never the whole of a huge key)."""
    return name if len(name) <= limit else name[:limit] + "…"


def tags_value(value: Any, field: str, problems: list[tuple[int, str, str | None]]
               ) -> dict[str, str]:
    """Tags as given, or {} after recording what is wrong with them."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append((20001, "tags must be an object of string keys and values", field))
        return {}
    if len(value) > MAX_TAGS:
        problems.append((20001, f"At most {MAX_TAGS} tags are allowed, got {len(value)}",
                         field))
    for key, val in value.items():
        if not 1 <= len(key) <= MAX_TAG_LENGTH:
            problems.append((20001, f"A tag key must be 1 to {MAX_TAG_LENGTH} characters",
                             f"{field}.{shown(key)}"))
        if not isinstance(val, str):
            problems.append((20001, "A tag value must be a string", f"{field}.{shown(key)}"))
        elif len(val) > MAX_TAG_LENGTH:
            problems.append((20001, f"A tag value must be at most {MAX_TAG_LENGTH} characters",
                             f"{field}.{shown(key)}"))
    return value


def variables_value(value: Any, field: str, problems: list[tuple[int, str, str | None]]
                    ) -> dict[str, str]:
    """Template variables as given, or {} after recording what is wrong with them."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append((20001, "variables must be an object of string values", field))
        return {}
    if len(value) > MAX_VARIABLES:
        problems.append((20001, f"At most {MAX_VARIABLES} variables are allowed, got "
                                f"{len(value)}", field))
        return {}
    ok = True
    for key, val in value.items():
        if not 1 <= len(key) <= MAX_VARIABLE_NAME:
            problems.append((20001, f"A variable name must be 1 to {MAX_VARIABLE_NAME} "
                                    "characters", f"{field}.{shown(key)}"))
            ok = False
        if not isinstance(val, str):
            problems.append((20001, "A variable's value must be a string",
                             f"{field}.{shown(key)}"))
            ok = False
        elif len(val) > MAX_VARIABLE_LENGTH:
            problems.append((20001, f"A variable's value must be at most "
                                    f"{MAX_VARIABLE_LENGTH} characters",
                             f"{field}.{shown(key)}"))
            ok = False
    if ok and sum(len(k) + len(v) for k, v in value.items()) > MAX_VARIABLES_SIZE:
        problems.append((20001, f"Variables hold at most {MAX_VARIABLES_SIZE} characters "
                                "(names and values together)", field))
        ok = False
    return value if ok else {}
