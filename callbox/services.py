"""The domain services one process uses, built once and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from callbox.channels.sim.network import SimNetwork
from callbox.channels.sim.service import SimService
from callbox.core.accounts import AccountService
from callbox.core.audiences import AudienceService
from callbox.core.clock import Clock
from callbox.core.comms import CommsService
from callbox.core.messaging import MessagingService
from callbox.core.numbers import NumberService
from callbox.core.pacing import Pacer
from callbox.core.ports import Store
from callbox.core.sids import SidFactory

__all__ = ["Services"]


@dataclass(slots=True)
class Services:
    store: Store
    clock: Clock
    sids: SidFactory
    accounts: AccountService
    messaging: MessagingService
    numbers: NumberService
    pacer: Pacer
    sim: SimService
    audiences: AudienceService
    comms: CommsService

    @classmethod
    def build(cls, store: Store, clock: Clock, sids: SidFactory,
              pacer: Pacer | None = None, network: SimNetwork | None = None) -> Services:
        pacer = pacer or Pacer(enabled=False)
        numbers = NumberService(store, clock, sids)
        audiences = AudienceService(store, clock)
        return cls(
            store=store,
            clock=clock,
            sids=sids,
            accounts=AccountService(store, clock, sids),
            messaging=MessagingService(store, clock, sids, pacer=pacer, numbers=numbers),
            numbers=numbers,
            pacer=pacer,
            sim=SimService(store, clock, network or SimNetwork()),
            audiences=audiences,
            comms=CommsService(store, clock, sids, pacer, numbers=numbers, audiences=audiences),
        )
