"""Builds and runs the in-process workers: the simulated network, pacing, the webhook
client, and a job runner with a handler per job kind."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from callbox.channels.sim.network import Rule, SimNetwork, load_rules_file
from callbox.config import Settings
from callbox.core.comms import FANOUT_JOB
from callbox.core.jobs import INBOUND_JOB, SEND_JOB, WEBHOOK_JOB
from callbox.services import Services
from callbox.webhooks.client import WebhookClient
from callbox.webhooks.delivery import Deliverer
from callbox.workers.callbacks import CallbackHandler
from callbox.workers.fanout import FanoutHandler
from callbox.workers.inbound import InboundHandler
from callbox.workers.runner import Handler, Runner
from callbox.workers.send import SendHandler

__all__ = ["Workers", "build_workers", "sim_network"]

log = logging.getLogger("callbox.workers")


@dataclass(slots=True)
class Workers:
    runner: Runner
    network: SimNetwork
    client: WebhookClient
    deliverer: Deliverer
    enabled: bool

    async def start(self) -> None:
        if self.enabled:
            await self.runner.start()

    async def stop(self) -> None:
        if self.enabled:
            await self.runner.stop()
        await self.client.close()


def sim_network(settings: Settings) -> SimNetwork:
    defaults, file_rules = Rule(), dict[str, Rule]()
    if settings.sim_rules_file is not None:
        defaults, file_rules = load_rules_file(settings.sim_rules_file)
    return SimNetwork(defaults=defaults, file_rules=file_rules)


async def build_workers(settings: Settings, services: Services, *,
                        sole_worker: bool) -> Workers:
    store: Any = services.store
    network = services.sim.network
    network.load(await store.all_rules())
    if services.pacer.enabled:
        services.pacer.restore(await store.queued_segments())
    client = WebhookClient()
    deliverer = Deliverer(client, services.clock, services.sids)
    send = SendHandler(store, services.clock, services.sids, network, services.pacer)
    handlers: dict[str, Handler] = {
        SEND_JOB: send,
        WEBHOOK_JOB: CallbackHandler(store, services.clock, services.sids, deliverer,
                                     services.accounts,
                                     max_attempts=settings.webhook_max_attempts),
        INBOUND_JOB: InboundHandler(store, services.clock, services.sids, deliverer,
                                    services.accounts, services.numbers, services.messaging),
        FANOUT_JOB: FanoutHandler(store, services.clock, services.sids, services.pacer),
    }
    retention = settings.job_retention_hours
    runner = Runner(store, services.clock, handlers, sole_worker=sole_worker,
                    max_attempts=max(settings.webhook_max_attempts, 10),
                    retention=timedelta(hours=retention) if retention > 0 else None)
    if settings.workers:
        store.on_jobs = runner.wake
        send.handoff = runner.dispatch
        send.lease = runner.lease
    return Workers(runner, network, client, deliverer, settings.workers)
