"""`callbox serve` runs the server; `callbox gen` regenerates api/v2010/_generated.py."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from callbox.config import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="callbox: Twilio's APIs, self-hosted.",
)


def _configure_logging(level: str) -> None:
    import structlog

    logging.basicConfig(level=level.upper(), format="%(message)s")
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address [env CALLBOX_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port [env CALLBOX_PORT]")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data directory [env CALLBOX_DATA_DIR]")] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Database URL [env CALLBOX_DATABASE_URL]")
    ] = None,
) -> None:
    """Serve the API on the embedded default (SQLite under the data directory)."""
    import uvicorn
    from rich.console import Console

    from callbox.api.app import create_app

    overrides: dict[str, Any] = {
        k: v for k, v in {"host": host, "port": port, "data_dir": data_dir,
                          "database_url": database_url}.items() if v is not None
    }
    settings = Settings(**overrides)
    _configure_logging(settings.log_level)
    application = create_app(settings)
    console = Console(stderr=True)

    config = uvicorn.Config(
        application, host=settings.host, port=settings.port, log_level=settings.log_level,
        access_log=False, loop="uvloop", http="httptools", lifespan="on", proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)

    original_startup = server.startup

    async def startup(sockets: Any = None) -> None:
        await original_startup(sockets=sockets)
        runtime = getattr(application.state, "runtime", None)
        if runtime is not None:
            main = runtime.main_account
            base = f"http://{settings.host}:{settings.port}"
            console.print(f"[bold green]callbox[/] serving {base}")
            console.print(f"  database     {settings.resolved_database_url()}")
            console.print(f"  Account SID  [bold]{main.sid}[/]")
            console.print(f"  Auth Token   [bold]{main.auth_token}[/]")
            console.print(f'  twilio-python: client.api.base_url = "{base}"')

    server.startup = startup  # type: ignore[method-assign]
    server.run()


@app.command()
def gen() -> None:
    """Regenerate callbox/api/v2010/_generated.py from the spec."""
    from callbox.spec import load_v2010
    from callbox.spec.codegen import generate_v2010

    target = Path(__file__).resolve().parents[1] / "api" / "v2010" / "_generated.py"
    target.write_text(generate_v2010(load_v2010()))
    typer.echo(f"wrote {target}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
