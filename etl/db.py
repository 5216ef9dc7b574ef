"""The loader's handle on a SQLite database: the few calls it makes, on ``sqlite3`` itself.

sqlite-utils imports pandas and numpy when they are installed (they are: Camelot needs
them), half a second before a reload could start, for nothing the loader uses. The calls
here are the ones sqlite-utils' ``Database`` offers by the same names, so a ``Database``
passed in (by a test, a benchmark) works as well.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Db:
    """A connection with ``execute``, ``query`` (rows as dicts), ``atomic`` (a transaction,
    or a savepoint inside one) and the names of its tables."""

    def __init__(self, path: str | Path | None = None, memory: bool = False) -> None:
        self.conn = sqlite3.connect(":memory:" if memory or path is None else str(path))

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executescript(self, sql: str) -> None:
        self.conn.executescript(sql)

    def query(self, sql: str, params: Sequence[Any] | dict = ()) -> Iterator[dict]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    @contextmanager
    def atomic(self) -> Iterator[Db]:
        """One transaction (committed at the end, rolled back on an exception); a savepoint
        when the connection is in one already."""
        if self.conn.in_transaction:
            self.conn.execute("SAVEPOINT ogi_atomic")
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK TO ogi_atomic")
                    self.conn.execute("RELEASE ogi_atomic")
                raise
            self.conn.execute("RELEASE ogi_atomic")
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]

    def close(self) -> None:
        self.conn.close()


def columns(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    """A table's columns: name -> declared type."""
    return {r[1]: r[2] for r in conn.execute(f"PRAGMA table_info([{table}])")}
