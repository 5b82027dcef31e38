"""The simulated network's own API, `/sim/v1`: virtual handsets, carrier rules and the
webhook delivery log, in JSON, with the 2010 API's credentials."""

from callbox.api.sim.asgi import SimApp
from callbox.api.sim.openapi import DOCUMENT
from callbox.api.sim.routes import ROUTES, create_sim_app

__all__ = ["DOCUMENT", "ROUTES", "SimApp", "create_sim_app"]
