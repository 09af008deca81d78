"""Engine and session factory (SQLAlchemy 1.4 in 2.0 style)."""
from sqlalchemy import create_engine, event
from sqlalchemy.orm import declarative_base, sessionmaker

from api import config

Base = declarative_base()


def make_engine(url: str = None):
    url = url or config.DATABASE_URL
    if url.startswith("sqlite:///"):
        config.VAR.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False, "timeout": 30})

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
            # switch them off (above) and begin here. Writers that must not collide start their
            # transaction with a write (see tickets._next_number), which waits for the lock.
            conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


engine = make_engine()
SessionLocal = sessionmaker(bind=engine, future=True, expire_on_commit=False)
