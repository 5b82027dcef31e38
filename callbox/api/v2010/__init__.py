"""The 2010-04-01 API: one provider composed of per-resource handler classes."""

from callbox.api.v2010._generated import OPERATIONS, V2010Api
from callbox.api.v2010.accounts import AccountsApi
from callbox.api.v2010.applications import ApplicationsApi
from callbox.api.v2010.messages import MessagesApi
from callbox.api.v2010.notifications import NotificationsApi
from callbox.api.v2010.phone_numbers import PhoneNumbersApi

__all__ = ["OPERATIONS", "V2010Api", "V2010Provider", "implemented"]


class V2010Provider(MessagesApi, AccountsApi, PhoneNumbersApi, ApplicationsApi,
                    NotificationsApi):
    """Every 2010 operation callbox serves; the rest fall through to the generated stubs."""


def implemented() -> set[str]:
    return {
        op for op, name in OPERATIONS.items()
        if getattr(V2010Provider, name) is not getattr(V2010Api, name)
    }
