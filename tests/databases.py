"""A new, empty PostgreSQL database beside the suite's, for a test running the app in another process."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def fresh_database(suite_url: str, suffix: str) -> str:
    """``<suite database>_<suffix>``, dropped if it was there and made again; its URL."""
    url = make_url(suite_url)
    name = f"{url.database}_{suffix}"
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
