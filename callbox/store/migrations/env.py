"""Alembic environment. callbox runs migrations itself at start (store.sql.migrate), passing
an open connection; `alembic -x url=...` from the command line works too."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from callbox.store.sql.schema import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database as: alembic -x url=sqlite:///var/callbox.db upgrade head")
    from callbox.store.sql.engine import create_engine

    async def upgrade() -> None:
        engine = create_engine(url)

        def migrate(conn: Connection) -> None:
            context.configure(connection=conn, target_metadata=metadata)
            with context.begin_transaction():
                context.run_migrations()

        async with engine.begin() as conn:
            await conn.run_sync(migrate)
        await engine.dispose()

    asyncio.run(upgrade())


run()
