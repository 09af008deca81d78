"""The catalogue search index, built once per process and rebuilt after an import."""
import threading
from typing import Optional

from api.core.db import SessionLocal
from api.guide.search import CatalogueIndex

_index: Optional[CatalogueIndex] = None
_lock = threading.Lock()


def current() -> CatalogueIndex:
    global _index
    with _lock:
        if _index is None:
            with SessionLocal() as session:
                _index = CatalogueIndex.from_db(session)
        return _index


def invalidate() -> None:
    """After the catalogue changed: the next question builds a fresh index."""
    global _index
    with _lock:
        _index = None
