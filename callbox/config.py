"""Settings from the environment (`CALLBOX_*`) or CLI flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLBOX_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address to listen on")
    port: int = Field(8080, description="Port to listen on")
    data_dir: Path = Field(Path("./var"), description="Where the SQLite file and state live")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite+aiosqlite:///<data_dir>/callbox.db"
    )
    account_sid: str | None = Field(None, description="Fix the main account's SID (AC…)")
    auth_token: str | None = Field(None, description="Fix the main account's Auth Token")
    log_level: str = Field("info", description="debug, info, warning, error")
    max_body_bytes: int = Field(1_048_576, description="Largest request body accepted (413)")
    comms_max_body_bytes: int = Field(
        16_777_216, description="Largest /v1 request body (10,000 recipients with variables, "
        "or 10,000 audience members, need more than the 2010 API's 1 MiB)")
    sqlite_synchronous: Literal["NORMAL", "FULL", "EXTRA"] = Field(
        "FULL", description="SQLite PRAGMA synchronous (WAL). NORMAL: a commit survives a "
        "crash or kill of callbox; FULL: it also survives an OS crash or power loss, at an "
        "fsync per group commit on the event loop"
    )

    workers: bool = Field(True, description="Run the job workers (sending, callbacks, "
                          "inbound webhooks) in this process")
    sim_pacing: bool = Field(False, description="Pace senders like carriers do: long code 1 "
                             "segment/s, toll-free 3, short code 100; queues hold 10 hours")
    sim_rules_file: Path | None = Field(
        None, description="TOML or JSON file of simulated-network rules ([defaults], "
        "[numbers.\"+1…\"]: outcome, error_code, sending_ms, sent_ms, delivered_ms)"
    )
    job_retention_hours: float = Field(
        24.0, ge=0, description="Finished jobs (done or canceled) are deleted this long "
        "after they ran; 0 keeps them. Failed jobs are kept (the evidence of what was given "
        "up); the messages, webhook attempts and notifications they wrote are never pruned"
    )
    webhook_max_attempts: int = Field(
        10, ge=1, le=100, description="Rounds of delivery (with backoff) before a status "
        "callback is given up"
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'callbox.db').resolve()}"
