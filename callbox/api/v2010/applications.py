"""Applications. (Being written.)"""

from __future__ import annotations

from callbox.api.v2010._generated import V2010Api

__all__ = ["ApplicationsApi"]


class ApplicationsApi(V2010Api):
    pass
