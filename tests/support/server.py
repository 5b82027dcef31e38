"""callbox on a real socket: uvicorn in a background thread, on a free port."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn
import uvloop

from callbox.api.app import create_app
from callbox.config import Settings

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
RULES_FILE = Path(__file__).with_name("sim_rules.toml")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, data_dir: Path, database_url: str | None = None, **extra: object) -> None:
        self.port = free_port()
        extra.setdefault("sim_rules_file", RULES_FILE)
        self.settings = Settings(
            host="127.0.0.1", port=self.port, data_dir=data_dir, database_url=database_url,
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, log_level="warning", **extra,
        )
        self.app = create_app(self.settings)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def runtime(self):  # type: ignore[no-untyped-def]
        return self.app.state.runtime

    def start(self) -> LiveServer:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        # uvloop, as `callbox serve` runs (its transports differ from asyncio's)
        self._thread = threading.Thread(target=lambda: uvloop.run(self._server.serve()),
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base_url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("callbox did not become ready")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
