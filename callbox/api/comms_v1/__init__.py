"""The Communications API, `/v1` (alias `/preview`): JSON, bulk Messages with Operations,
Audiences, tags and cursor paging. See docs/comms-v1.md."""

from callbox.api.comms_v1.routes import ROUTES, create_comms_app

__all__ = ["ROUTES", "create_comms_app"]
