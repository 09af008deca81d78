"""Alembic environment: the schema is the metadata of every domain's models."""
from alembic import context
from sqlalchemy import create_engine

import api.admin.models  # noqa: F401  (each import registers its tables)
import api.channels.models  # noqa: F401
import api.guide.models  # noqa: F401
import api.handoff.models  # noqa: F401
import api.incidents.models  # noqa: F401
import api.places.models  # noqa: F401
import api.routing.models  # noqa: F401
import api.staff.models  # noqa: F401
from api.core.db import Base

url = context.config.get_main_option("sqlalchemy.url")


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
