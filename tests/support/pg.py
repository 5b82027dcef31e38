"""A real PostgreSQL for the tests: the one on 127.0.0.1:5432 when it answers, else a
private server started from the installed binaries. Outside CI a missing PostgreSQL skips
loudly; under CI=true it fails."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _psql(port: int, user: str, sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", "postgres", "-v",
         "ON_ERROR_STOP=1", "-qc", sql],
        check=True, capture_output=True, timeout=30,
    )


@contextmanager
def _private_server() -> Iterator[tuple[int, str]]:
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql")
    bindir = os.path.dirname(bins[-1])
    root = tempfile.mkdtemp(prefix="callbox-pg-")
    port = _free_port()
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(root, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(root, "data")
    subprocess.run([*run_as, f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust"],
                   check=True, capture_output=True, timeout=120)
    subprocess.run([*run_as, f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(root, "log"),
                    "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "-w", "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        yield port, "postgres"
    finally:
        subprocess.run([*run_as, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_database() -> Iterator[str]:
    """Yield the SQLAlchemy URL of a fresh, empty database; drop it afterwards."""
    with ExitStack() as stack:
        if _answers(5432):
            port, user = 5432, "postgres"
        else:
            try:
                port, user = stack.enter_context(_private_server())
            except Exception as exc:  # noqa: BLE001
                message = f"PostgreSQL is not available ({exc})"
                if os.environ.get("CI") == "true":
                    pytest.fail(message + "; under CI=true these tests must run")
                print(f"\n*** SKIPPING PostgreSQL tests: {message} ***\n")
                pytest.skip(message)
        name = f"callbox_test_{uuid.uuid4().hex[:12]}"
        _psql(port, user, f"CREATE DATABASE {name}")
        try:
            yield f"postgresql+asyncpg://{user}@127.0.0.1:{port}/{name}"
        finally:
            for _ in range(5):
                try:
                    _psql(port, user, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                    break
                except subprocess.CalledProcessError:
                    time.sleep(0.5)
