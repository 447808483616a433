"""The throwaway PostgreSQL cluster itself works (a real server on loopback)."""

from __future__ import annotations

import sqlalchemy as sa


def test_each_test_gets_its_own_empty_postgres_database(pg_cluster, pg_url):
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar() in pg_url
            conn.execute(sa.text("CREATE TABLE probe (x int)"))
            conn.execute(sa.text("INSERT INTO probe VALUES (1)"))
            assert conn.execute(sa.text("SELECT count(*) FROM probe")).scalar() == 1
            host = conn.execute(sa.text("SELECT inet_server_addr()::text")).scalar()
            assert host.startswith("127.0.0.1")
    finally:
        engine.dispose()
