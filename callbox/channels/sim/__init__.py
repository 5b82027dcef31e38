"""The simulated phone network: virtual handsets and a carrier with rules per number."""

from callbox.channels.sim.network import Rule, SimNetwork, load_rules_file

__all__ = ["Rule", "SimNetwork", "load_rules_file"]
