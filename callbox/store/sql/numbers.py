"""SqlStore's part for IncomingPhoneNumbers and Applications. (Being written.)"""

from __future__ import annotations

__all__ = ["NumbersStoreMixin"]


class NumbersStoreMixin:
    pass
