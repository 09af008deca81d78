"""Engine and session factory (SQLAlchemy 1.4 in 2.0 style)."""
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.orm import declarative_base, sessionmaker

from shared.settings import get_settings

Base = declarative_base()


def make_engine(url: str = None):
    url = url or get_settings().database_url
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False, "timeout": get_settings().db_lock_seconds})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _):
            dbapi_conn.isolation_level = None  # transactions are begun below, not by pysqlite
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # pysqlite's own implicit transactions break SAVEPOINT; SQLAlchemy's recipe is to
            # switch them off (above) and begin here. A transaction that reads and then writes
            # fails at once with "database is locked" if another writer got in between, so
            # writers take the write lock up front (IMMEDIATE) and queue for it instead.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writer") else "BEGIN")

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


engine = make_engine()
# Reads never wait. Anything that writes uses WriteSession: on SQLite its transactions queue
# for the write lock from their first statement; elsewhere the option does nothing.
SessionLocal = sessionmaker(bind=engine, future=True, expire_on_commit=False)
WriteSession = sessionmaker(bind=engine.execution_options(writer=True), future=True, expire_on_commit=False)

