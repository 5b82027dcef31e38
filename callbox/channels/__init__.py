"""Carrier connectors. `base` is the interface; `sim` the built-in simulated network;
SMPP and SMTP connectors will implement the same interface."""

from callbox.channels.base import Connector, Receipt, Submission

__all__ = ["Connector", "Receipt", "Submission"]
