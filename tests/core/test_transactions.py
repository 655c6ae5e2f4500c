"""Savepoints nest inside transactions on every database (pysqlite needs help for that)."""

import sqlalchemy as sa


def _engine(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        return sa.create_engine(f"sqlite:///{tmp_path / 'savepoints.db'}")
    return sa.create_engine(database_url)


def test_released_savepoint_is_undone_by_the_outer_rollback(database_url, tmp_path):
    engine = _engine(database_url, tmp_path)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS savepoint_probe (v INTEGER)")
            conn.exec_driver_sql("DELETE FROM savepoint_probe")
        with engine.connect() as conn:
            outer = conn.begin()
            nested = conn.begin_nested()
            conn.exec_driver_sql("INSERT INTO savepoint_probe (v) VALUES (1)")
            nested.commit()
            outer.rollback()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM savepoint_probe").scalar() == 0
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS savepoint_probe")
        engine.dispose()
