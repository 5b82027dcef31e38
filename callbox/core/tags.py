"""Tags of the Communications API: at most 10 string pairs, key 1..128 and value at most
128 characters."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_TAGS", "MAX_TAG_LENGTH", "tags_value"]

MAX_TAGS = 10
MAX_TAG_LENGTH = 128


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
                             f"{field}.{key[:40]}"))
        if not isinstance(val, str):
            problems.append((20001, "A tag value must be a string", f"{field}.{key[:40]}"))
        elif len(val) > MAX_TAG_LENGTH:
            problems.append((20001, f"A tag value must be at most {MAX_TAG_LENGTH} characters",
                             f"{field}.{key[:40]}"))
    return value
