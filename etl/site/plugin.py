"""The site's Datasette plugin.

- Limits on every connection Datasette opens, so that no query outruns the SQL time limit by
  building huge values (``randomblob(1e9)`` is one SQLite step the time limit cannot stop):
  a value at most ``VALUE_LIMIT`` bytes, a query's result at most ``RESULT_LIMIT``.
- Codes said in Chinese where a page shows them (``level`` county -> 县级, ``rule``
  requests.balance -> 收支平衡), numbers with thousands separators, rates with %, every report
  id a link to its report page and every agency key to its agency page.
- The pages beyond tables: ``/-/report/<id>``, ``/-/agency/<key>``, ``/-/search``.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import sys
import threading
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

import markupsafe
from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils.asgi import AsgiStream, NotFound, Response

from etl.i18n import _
from etl.site import labels

NAME = "ogi-site"
VALUE_LIMIT = 1_000_000  # bytes of one string or blob (a whole report's prose is ~40 KB)
COLUMN_LIMIT = 200  # columns of a result (the widest table has ~40)
RESULT_LIMIT = 64_000_000  # bytes of one query's rows
REPORT_COLUMNS = {"report_id", "previous_report_id", "上年报告", "最近报告"}
AGENCY_COLUMNS = {"agency_key"}


def register() -> None:
    """Register this plugin with Datasette (once per process)."""
    module = sys.modules[__name__]
    if not pm.is_registered(module):
        pm.register(module, name=NAME)


# --- limits ---------------------------------------------------------------------------------

_local = threading.local()


def _budgeted_row(cursor: sqlite3.Cursor, values: tuple) -> sqlite3.Row:
    """Datasette's row factory, counting the bytes each query has returned so far."""
    spent = getattr(_local, "spent", None)
    if spent is None:
        spent = _local.spent = weakref.WeakKeyDictionary()
    size = spent.get(cursor, 0) + 8 * len(values) + sum(
        len(v) for v in values if isinstance(v, str | bytes))
    if size > RESULT_LIMIT:
        raise sqlite3.DataError(_("查询结果超过 {mb} MB 的上限，请缩小查询范围").format(
            mb=RESULT_LIMIT // 1_000_000))
    spent[cursor] = size
    return sqlite3.Row(cursor, values)


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LIMIT)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, COLUMN_LIMIT)
    conn.row_factory = _budgeted_row


# --- cells ------------------------------------------------------------------------------------

def _link(href: str, text: str, title: str | None = None) -> markupsafe.Markup:
    return markupsafe.Markup('<a href="{}"{}>{}</a>').format(
        href, markupsafe.Markup(' title="{}"').format(title) if title else "", text)


def report_url(datasette: Any, report_id: str) -> str:
    return datasette.urls.path(f"/-/report/{quote(str(report_id), safe='')}")


def agency_url(datasette: Any, key: str) -> str:
    return datasette.urls.path(f"/-/agency/{quote(str(key), safe='')}")


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Any:
    label = None
    if isinstance(value, dict):  # a foreign key Datasette expanded: {value, label}
        value, label = value.get("value"), value.get("label")
    if value is None or value == "":
        return None
    if column in REPORT_COLUMNS:
        return _link(report_url(datasette, value), str(value), "报告页")
    if column in AGENCY_COLUMNS:
        return _link(agency_url(datasette, value), str(label or value), str(value))
    coded = labels.value_label(table, column, value, row)
    if coded is not None and coded != value:
        return markupsafe.Markup('<span class="ogi-code" title="{}">{}</span>').format(
            value, coded)
    return labels.format_number(column, value)


# --- template functions -----------------------------------------------------------------------

OPS = {"exact": "等于", "not": "不等于", "contains": "包含", "endswith": "结尾是",
       "startswith": "开头是", "gt": "大于", "gte": "不小于", "lt": "小于", "lte": "不大于",
       "like": "匹配（like）", "notlike": "不匹配（not like）", "glob": "匹配（glob）",
       "in": "属于", "notin": "不属于", "arraycontains": "数组包含",
       "arraynotcontains": "数组不包含",
       "date": "日期为", "isnull": "为空", "notnull": "不为空", "isblank": "为空白",
       "notblank": "不为空白"}
PARAMS = {"agency": "机关名称（一部分即可）", "year": "年度（留空为所有年度）",
          "province": "省（留空为全国）", "q": "检索词", "report_id": "报告编号",
          "level": "层级"}
ERRORS = {"Table not found": "找不到这个表", "Database not found": "找不到这个数据库",
          "Row not found": "找不到这一行", "Page not found": "找不到这个页面",
          "Not Found": "找不到这个页面", "interrupted": "查询超过了时间上限，已停止",
          "SQL query took too long": "查询超过了时间上限，已停止",
          "Statement must be a SELECT": "只能执行 SELECT 查询（本站只读）",
          "You may only POST to a canned query": "只能向常用查询提交表单"}
NO_ARGUMENT = {"isnull", "notnull", "isblank", "notblank"}
NO_VALUE = "（空）"


def _table_meta(datasette: Any, database: str | None, table: str | None) -> dict:
    if not database or not table:
        return {}
    return datasette.table_metadata(database, table) or {}


def column_label(datasette: Any, database: str | None, table: str | None,
                 column: Any) -> str:
    """A column's Chinese heading: its metadata description up to its dash (" — " or "—"),
    else its name."""
    name = column["name"] if isinstance(column, dict) else str(column)
    if name == "Link":
        return "行"
    if name == "rowid":
        return "行号"
    description = _table_meta(datasette, database, table).get("columns", {}).get(name)
    if description:
        return str(description).split("—", 1)[0].strip()
    return name


def filters_text(datasette: Any, database: str, table: str, filters: Any, search: str,
                 sort: str | None, sort_desc: str | None) -> str:
    """What a table page shows, in Chinese: 其中 层级 等于 县级，按 新收申请 降序."""
    bits = []
    for column, lookup, value in filters.selections():
        label = column_label(datasette, database, table, column)
        shown = labels.value_label(table, column, value) or value
        op = OPS.get(lookup, lookup)
        bits.append(f"{label} {op}" if lookup in NO_ARGUMENT else f"{label} {op} {shown}")
    text = ("其中 " + "，且 ".join(bits)) if bits else ""
    if search:
        text += f"{'，' if text else ''}检索“{search}”"
    if sort or sort_desc:
        text += "{}按 {} {}".format("，" if text else "",
                                    column_label(datasette, database, table, sort or sort_desc),
                                    "降序" if sort_desc else "升序")
    return text


def error_text(error: Any, status: int | None = None) -> str:
    """Datasette's English error messages said in Chinese (SQLite's own message kept)."""
    text = str(error)
    for english, chinese in ERRORS.items():
        if english in text:
            return chinese if text.strip() == english else f"{chinese}（{text}）"
    if status == 400 or "syntax error" in text or "no such" in text:
        return f"查询出错：{text}"
    return text


def home(datasette: Any) -> dict:
    """The home page's figures and links (links from the ogi-site plugin configuration)."""
    db = next((name for name in datasette.databases if name != "_internal"), "ogi")
    counts = {name: info.get("count") for name, info in
              ((datasette.inspect_data or {}).get(db, {}).get("tables", {})).items()}

    def count(name: str) -> str:
        n = counts.get(name)
        return f"{n:,}" if isinstance(n, int) else "—"

    config = datasette.plugin_config(NAME) or {}
    return {"db": db, "reports": count("reports"), "agencies": count("agencies"),
            "cells": count("cells"), "groups": config.get("home", [])}


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    env.filters["ogi_error"] = error_text  # also on error pages, which get no extra vars
    # datasette-dashboards' templates as "dashboards:<name>", so that the site's templates of
    # the same name extend them (their words in Chinese) instead of copying them whole
    import datasette_dashboards
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

    folder = Path(datasette_dashboards.__file__).parent / "templates"
    env.loader = ChoiceLoader([env.loader, PrefixLoader(
        {"dashboards": FileSystemLoader(str(folder))}, delimiter=":")])


@hookimpl
def extra_template_vars(template: str, database: str | None, table: str | None,
                        columns: Any, view_name: str, request: Any, datasette: Any) -> dict:
    def pk_cell(table_name: str, cell: dict) -> Any:
        if cell.get("value_type") == "pk" and table_name in ("reports", "report_summary"):
            return _link(report_url(datasette, cell["raw"]), str(cell["raw"]), "报告页")
        if cell.get("value_type") == "pk" and table_name == "agencies":
            return _link(agency_url(datasette, cell["raw"]), str(cell["raw"]), "机关页")
        return cell["value"]

    def facet_value(table_name: str, column: str, facet: dict) -> str:
        value, label = facet.get("value"), facet.get("label")
        if value is None or value == "":
            return NO_VALUE
        if label is not None and label != value:
            return str(label)
        return labels.value_label(table_name, column, value) or str(value)

    return {
        "ogi_title": lambda db, name: _table_meta(datasette, db, name).get("title") or name,
        "ogi_about": lambda db, name: _table_meta(datasette, db, name).get("description"),
        "ogi_col": lambda table_name, column: column_label(datasette, database, table_name,
                                                           column),
        "ogi_op": lambda key, display: OPS.get(key, display),
        "ogi_filters": lambda table_name, filters, search, sort, sort_desc, meta: filters_text(
            datasette, database, table_name, filters, search, sort, sort_desc),
        "ogi_facet_value": facet_value,
        "ogi_pk_cell": pk_cell,
        "ogi_param": lambda name: PARAMS.get(name, name),
        "ogi_error_text": error_text,
        "ogi_home": lambda: home(datasette),
        "ogi_report_url": lambda report_id: report_url(datasette, report_id),
        "ogi_agency_url": lambda key: agency_url(datasette, key),
    }


# --- the site's own pages ---------------------------------------------------------------------

def site_database(datasette: Any) -> Any:
    """The database the site describes (the one Datasette serves besides _internal)."""
    for name, db in datasette.databases.items():
        if name != "_internal" and not db.is_memory:
            return db
    raise NotFound(_("没有数据库"))


async def _page(datasette: Any, request: Any, template: str, context: dict) -> Response:
    db = site_database(datasette)
    html = await datasette.render_template(
        template, {"database": db.name, "labels": labels, **context}, request=request,
        view_name=template.removesuffix(".html"))
    return Response.html(html)


async def report_view(datasette: Any, request: Any) -> Response:
    from etl.site.pages import report_page

    report_id = unquote(request.url_vars["report_id"])
    page = await report_page(site_database(datasette), report_id)
    if page is None:
        raise NotFound(_("没有编号为 {id} 的报告").format(id=report_id))
    return await _page(datasette, request, "ogi_report.html", page)


async def agency_view(datasette: Any, request: Any) -> Response:
    from etl.site.pages import agency_page

    key = unquote(request.url_vars["key"])
    page = await agency_page(site_database(datasette), key)
    if page is None:
        raise NotFound(_("没有标识为 {key} 的机关").format(key=key))
    return await _page(datasette, request, "ogi_agency.html", page)


def _before(request: Any) -> int | None:
    value = request.args.get("before", "")
    return int(value) if value.isdigit() else None


def mark(text: str) -> markupsafe.Markup:
    """An excerpt with its matches highlighted (<mark>), everything else escaped."""
    from etl.site.search import END, START

    return markupsafe.Markup(str(markupsafe.escape(text)).replace(START, "<mark>").replace(
        END, "</mark>"))


async def search_view(datasette: Any, request: Any) -> Response:
    from etl.site import search

    db = site_database(datasette)
    q = request.args.get("q", "").strip()
    hits, following = await search.search(db, q, _before(request))
    total = await search.count(db, q) if q and _before(request) is None else None
    short = 0 < len(q) < search.TRIGRAM
    stopped = short and following is not None and len(hits) < search.PAGE
    return await _page(datasette, request, "ogi_search.html", {
        "searched": await search.scanned_share(db, following) if stopped else None,
        "q": q, "hits": hits, "total": total, "mark": mark, "first": _before(request) is None,
        "next_url": f"?{urlencode({'q': q, 'before': following})}" if following else None,
        "csv_url": datasette.urls.path(f"/-/search.csv?{urlencode({'q': q})}"),
        "short": short, "page": search.PAGE})


async def search_csv(datasette: Any, request: Any) -> AsgiStream:
    """Every match of the search, as CSV, a page at a time (bounded memory)."""
    from etl.site import search

    db = site_database(datasette)
    q = request.args.get("q", "").strip()

    async def stream(out: Any) -> None:
        buffer = io.StringIO()
        write = csv.writer(buffer).writerow
        write(["机关", "年度", "部分", "标题", "摘录", "report_id"])
        before = None
        while q:
            hits, before = await search.search(db, q, before, limit=1000)
            for h in hits:
                write([h.agency or "", h.year or "", h.section, h.title,
                       h.excerpt.replace(search.START, "【").replace(search.END, "】"),
                       h.report_id])
            await out.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            if before is None:
                break
        await out.write(buffer.getvalue())

    name = quote(f"检索-{q}.csv")
    return AsgiStream(stream, headers={
        "content-disposition": f"attachment; filename*=UTF-8''{name}"},
        content_type="text/csv; charset=utf-8")


SEARCHED_TABLE = "narrative"  # its table page's ?_search= is the site's search


def search_redirect(datasette: Any, path: str, query: bytes) -> str | None:
    """Where the narrative table's plain ``?_search=`` goes: the site's search page, which
    finds two-character words too (the trigram index cannot), pages newest first and counts
    within a time limit (the table page counted every match of a common phrase, half a
    second at 100,000 reports). None for anything else, a search with filters included."""
    if path != datasette.urls.table(_site_name(datasette), SEARCHED_TABLE):
        return None
    args = parse_qs(query.decode("utf-8", "replace"), keep_blank_values=True)
    filtered = any(v.strip() for k, values in args.items() for v in values
                   if not k.startswith("_") or "__" in k or k.startswith("_filter_value"))
    if "_search" not in args or filtered:
        return None
    q = args["_search"][0].strip()  # empty: the search page's form (Datasette said HTTP 400)
    return datasette.urls.path(f"/-/search?{urlencode({'q': q})}" if q else "/-/search")


def _site_name(datasette: Any) -> str:
    return next((n for n in datasette.databases if n != "_internal"), "ogi")


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def redirect_search(scope: dict, receive: Any, send: Any) -> None:
            target = search_redirect(datasette, scope.get("path", ""),
                                     scope.get("query_string", b"")
                                     ) if scope.get("type") == "http" else None
            if target is None:
                await app(scope, receive, send)
                return
            await send({"type": "http.response.start", "status": 302,
                        "headers": [(b"location", target.encode("utf-8"))]})
            await send({"type": "http.response.body", "body": b""})
        return redirect_search
    return wrap


@hookimpl
def register_routes(datasette: Any) -> list:
    return [(r"^/-/report/(?P<report_id>[^/]+)$", report_view),
            (r"^/-/agency/(?P<key>[^/]+)$", agency_view),
            (r"^/-/search$", search_view),
            (r"^/-/search\.csv$", search_csv)]
