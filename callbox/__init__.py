"""callbox: a self-hostable server that speaks Twilio's public APIs."""

__version__ = "0.1.0"
__all__ = ["__version__"]
