"""Publish the database with Datasette: the site people browse.

``ensure_views`` brings the browsing tables up to date (``etl.site.tables``: precomputed at
load time, incrementally for the reports a load changed); ``make_datasette`` is the one
configuration of Datasette, used by ``serve`` and by the tests alike: the database immutable
(read-only) with its table counts, ``metadata.yml`` (the repository's, installed with the
package), the site's plugin, templates and static files, the SQL time limit, and threads
enough that slow queries do not starve ordinary pages. ``serve`` runs it with uvicorn in
this process and says where once it is serving.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import socket
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from etl.errors import EtlError
from etl.i18n import _

SQL_TIME_LIMIT_MS = 3000
DEFAULT_PORT = 8001
DB_NAME = "ogi"  # the database name metadata.yml describes (Datasette names it by file stem)
# Datasette's settings for the site. Threads: a visitor's slow query holds one for up to the
# time limit; with 3 (Datasette's default) four of them stall every page. Suggested facets
# would run one query per column of every page: at 20 million cells, most of its time.
SETTINGS = {"num_sql_threads": 10, "suggest_facets": False, "facet_time_limit_ms": 1000,
            "default_page_size": 50, "max_returned_rows": 1000, "truncate_cells_html": 300,
            "default_cache_ttl": 60}


def _site() -> Path:
    return Path(str(resources.files("etl") / "site"))


def default_metadata() -> Path:
    """``metadata.yml`` as installed with the package (in a checkout: the repository's
    top-level file, which ``etl/site/metadata.yml`` links to)."""
    return _site() / "metadata.yml"


def _connect(db: Path) -> sqlite3.Connection:
    """``db`` opened for writing, or an EtlError naming it: missing, not SQLite, no reports
    table, or not writable."""
    if not db.is_file():
        raise EtlError(_("{file}：还没有数据库；请先运行 `ogi load`（或 `ogi build`）").format(
            file=db))
    try:
        conn = sqlite3.connect(db)
        have = conn.execute("SELECT name FROM sqlite_master WHERE name = 'reports'").fetchall()
    except sqlite3.DatabaseError as e:
        raise EtlError(_("{file}：不是 SQLite 数据库（{error}）").format(file=db, error=e)) from e
    if not have:
        conn.close()
        raise EtlError(_("{file}：没有 reports 表；请先运行 `ogi load`").format(file=db))
    return conn


def ensure_views(db_path: str | Path, changed: set[str] | None = None) -> list[str]:
    """Bring the site's tables of ``db_path`` up to date: all of them when ``changed`` is None,
    else the rows of the reports in ``changed`` (report ids just loaded or pruned; an empty
    set checks only that the tables exist and match the reports). A second call with nothing
    changed writes nothing. Returns the names of the tables rebuilt whole."""
    from etl.site import tables

    db = Path(db_path)
    conn = _connect(db)
    try:
        if changed is not None and not changed and tables.is_current(conn):
            return []
        rebuilt: list[str] = []
        tables.refresh(conn, None if changed is None else set(changed), rebuilt.append)
        return rebuilt
    except sqlite3.OperationalError as e:
        if "readonly" in str(e) or "read-only" in str(e):
            raise EtlError(_("{file}：数据库不可写，无法更新网站的表（{error}）").format(
                file=db, error=e)) from e
        raise EtlError(_("{file}：无法更新网站的表（{error}）").format(file=db, error=e)) from e
    finally:
        conn.close()


def inspect_data(db: Path) -> dict[str, Any]:
    """What Datasette's immutable mode needs (each table's row count), kept beside the
    database as ``<db>-inspect.json`` and remade whenever the database is newer; computed
    in memory only when that folder is not writable."""
    out = db.with_name(f"{db.name}-inspect.json")
    stat = db.stat()
    stamp = f"{stat.st_size}-{stat.st_mtime_ns}"
    try:
        data = json.loads(out.read_text(encoding="utf-8"))
        if data.get(db.stem, {}).get("stamp") == stamp:
            return data
    except (OSError, ValueError):
        pass
    conn = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
            "'CREATE VIRTUAL%'")]
        counts = {n: {"count": conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]}
                  for n in names}
    finally:
        conn.close()
    data = {db.stem: {"hash": hashlib.sha256(stamp.encode()).hexdigest(), "size": stat.st_size,
                      "file": db.name, "stamp": stamp, "tables": counts}}
    with contextlib.suppress(OSError):  # a read-only folder: counted again at the next start
        out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


def metadata_for(db: Path, metadata: Path) -> dict[str, Any]:
    """``metadata`` as it applies to ``db``: for a database file named other than ``ogi.db``,
    its tables, canned queries and dashboards are said to be of that name instead."""
    if not metadata.is_file():
        raise EtlError(_("{file}：找不到 metadata 文件").format(file=metadata))
    name = db.stem
    text = metadata.read_text(encoding="utf-8")
    if name != DB_NAME:
        text = text.replace(f"/{DB_NAME}/", f"/{name}/").replace(f"/{DB_NAME}\"", f"/{name}\"")
    import yaml  # here: ``ogi --help`` imports this module for the serve defaults

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise EtlError(_("{file}：metadata 不是有效的 YAML（{error}）").format(
            file=metadata, error=e)) from e
    databases = data.get("databases", {})
    if name != DB_NAME and DB_NAME in databases:
        databases[name] = databases.pop(DB_NAME)
        for dashboard in data.get("plugins", {}).get("datasette-dashboards", {}).values():
            for part in (*dashboard.get("charts", {}).values(),
                         *dashboard.get("filters", {}).values()):
                if part.get("db") == DB_NAME:
                    part["db"] = name
    return data


def make_datasette(db: str | Path, metadata: str | Path | None = None,
                   sql_time_limit_ms: int = SQL_TIME_LIMIT_MS, inspect: bool = True) -> Any:
    """The site's Datasette for ``db`` (immutable): ``metadata`` (default: the installed
    metadata.yml), the site plugin, its templates and static files, ``SETTINGS``."""
    from datasette.app import Datasette

    from etl.site import plugin

    db = Path(db)
    meta = metadata_for(db, Path(metadata) if metadata else default_metadata())
    plugin.register()
    site = _site()
    return Datasette(
        immutables=[str(db)], metadata=meta,
        inspect_data=inspect_data(db) if inspect else None,
        template_dir=str(site / "templates"),
        static_mounts=[("ogi-static", str(site / "static"))],
        settings={**SETTINGS, "sql_time_limit_ms": sql_time_limit_ms})


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is said: a busy port is one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise EtlError(_("端口 {port} 已被占用：用 --port 换一个（make demo 用 PORT=）").format(
                port=port)) from e
        raise EtlError(_("无法在 {host}:{port} 上监听（{error}）").format(
            host=host, port=port, error=e.strerror or e)) from e
    sock.listen(128)
    return sock


def serve(db: str | Path, metadata: str | Path | None = None, host: str = "127.0.0.1",
          port: int = DEFAULT_PORT, sql_time_limit_ms: int = SQL_TIME_LIMIT_MS,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Check the database and the metadata, bring the site's tables up to date, bind the
    port, then serve until stopped (Ctrl-C); ``on_ready(url)`` once it is serving."""
    import uvicorn

    db = Path(db)
    ensure_views(db, changed=set())  # refuses a missing, foreign or unwritable database
    ds = make_datasette(db, metadata, sql_time_limit_ms)
    sock = _bind(host, port)
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and on_ready is not None:
                on_ready(url)

    config = uvicorn.Config(ds.app(), log_level="warning", lifespan="off", access_log=False)
    try:
        Server(config).run(sockets=[sock])
    finally:
        sock.close()
