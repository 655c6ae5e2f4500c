"""Exit 0 when PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) answer; create the test database."""

import os
import sys

import psycopg
import redis
from sqlalchemy.engine import make_url


def main() -> int:
    url = make_url(os.environ["DATABASE_URL"])
    dsn = {"host": url.host, "port": url.port or 5432, "user": url.username, "password": url.password}
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=3, **dsn) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{url.database}"')
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()
    except (psycopg.Error, redis.RedisError) as exc:
        print(f"server check failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
