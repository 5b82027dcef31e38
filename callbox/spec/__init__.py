"""Twilio's OpenAPI documents, loaded into one `Operation` per operationId."""

from callbox.spec.loader import Operation, Param, Spec, load_v2010, spec_path

__all__ = ["Operation", "Param", "Spec", "load_v2010", "spec_path"]
