"""The tables a person browses, precomputed at load time from the loader's tables.

At 100,000 reports (20 million cells) a view that pivots ``cells`` cannot answer a page in
time, so each browsing table is a real table with Chinese column names, Chinese values
(层级 县级, 状态 未审核, 规则 收支平衡) and indexes for its facets and sorts; the loader's
tables keep the codes, as the data's contract for tools. ``refresh`` rebuilds them all, or
only the rows of the reports a load changed: rows keyed by report are replaced for those
reports (and the other years of their agencies, whose cross-year rows depend on them), rows
keyed by a group (an agency, a region-year) for the groups those reports were and are in.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from etl import template as tpl
from etl.layout import STATUS_LABELS
from etl.place import agency_key
from etl.site import labels

# report_totals columns as the site names them, and section 三's outcomes in the table's
# order (what the outcome chart and the shares show).
TOTALS = {t.column: t.label for t in tpl.totals()}
OUTCOMES = tuple(t.column for t in tpl.totals() if t.outcome)
# Shares of 办理总数, in per cent with one decimal.
RATES = {"公开率": "coalesce(t.granted, 0) + coalesce(t.partial, 0)", "不予公开率": "t.withheld",
         "无法提供率": "t.unable", "不予处理率": "t.rejected"}
REGION = (("province", "省"), ("city", "市"), ("county", "县"), ("adcode", "区划代码"))
WIDE_SECTIONS = ("requests", "appeals", "active")
# Figures compared year on year (yoy_jumps): the report_totals columns.
JUMP_FACTOR = 5


def _case(column: str, mapping: dict) -> str:
    whens = " ".join(f"WHEN '{code}' THEN '{label}'" for code, label in mapping.items())
    return f"CASE {column} {whens} ELSE {column} END"


def wide_measures(section: str) -> tuple[tuple[str, str], ...]:
    """A section's measures over both templates, in template order, with their labels (the
    2019 template's section 二 columns after the 2021 ones; each template leaves the other's
    NULL)."""
    found: dict[str, str] = {}
    for template in tpl.TEMPLATES:
        for m in tpl.measures(template, section):
            found.setdefault(m, tpl.measure_label(template, section, m))
    found.update(tpl.structure()["sections"][section].get("wide_labels", {}))
    return tuple(found.items())


def total_column(section: str) -> str:
    """The wide table's column of a section's ``total`` measure (总计)."""
    return dict(wide_measures(section))["total"]


@dataclass(frozen=True)
class Derived:
    """One precomputed table: its columns, the SELECT that fills it (``{where}`` narrows it to
    some reports or groups), its indexes, and what its rows are keyed by."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (name, declaration)
    select: str
    indexes: tuple[tuple[str, ...], ...] = ()
    key: tuple[str, ...] = ("report_id",)  # the rows of one report / one group
    by_group: bool = False  # keyed by a group of report_summary rows, not by report

    def create(self) -> str:
        cols = ",\n  ".join(f'"{c}" {decl}' for c, decl in self.columns)
        return f'CREATE TABLE "{self.name}" (\n  {cols}\n)'

    def index_sql(self) -> list[str]:
        """One CREATE INDEX per ``indexes`` entry; a column written "新收申请 DESC" is
        indexed descending."""
        def column(spec: str) -> str:
            name, _, order = spec.partition(" ")
            return f'"{name}"' + (f" {order}" if order else "")

        return [f'CREATE INDEX "{self.name}_{"_".join(c.replace(" ", "_") for c in cols)}" '
                f'ON "{self.name}" ({", ".join(column(c) for c in cols)})'
                for cols in self.indexes]

    def insert(self, where: str) -> str:
        cols = ", ".join(f'"{c}"' for c, _ in self.columns)
        return f'INSERT INTO "{self.name}" ({cols})\n{self.select.format(where=where)}'


def agency_key_sql(have: set[str]) -> str:
    """The stable agency key of a ``reports r`` row: the loader's ``agency_key`` column when
    it has one; else the place code and the normalised name (etl.place.agency_key: the years of
    洪泽区人民政府 and 淮安市洪泽区人民政府 one agency); without a place code, the name."""
    if "agency_key" in have:
        return "r.agency_key"
    if "adcode" in have:
        return "ogi_agency_key(r.adcode, r.agency)"
    return "coalesce(r.agency, '')"


def _summary(have: set[str]) -> Derived:
    region = [(f"r.{c}" if c in have else "NULL", label) for c, label in REGION]
    key = agency_key_sql(have)
    level = _case("r.level", labels.LEVEL_LABELS) if "level" in have else "NULL"
    rates = [f"round(100.0 * ({expr}) / nullif(t.handled_total, 0), 1)" for expr in
             RATES.values()]
    select = f"""SELECT r.report_id, r.agency, {key}, r.year, r.template,
  {", ".join(e for e, _ in region)}, {level}, {_case("r.status", STATUS_LABELS)}, r.reviewer,
  {", ".join(f"t.{c}" for c in TOTALS)},
  {", ".join(rates)},
  round(100.0 * t.appeals_corrected / nullif(t.appeals_total, 0), 1),
  r.checks_failed, r.cells_blank, r.cells_derived
FROM reports r LEFT JOIN report_totals t ON t.report_id = r.report_id
WHERE {{where}}"""
    columns = (("report_id", "TEXT PRIMARY KEY"), ("机关", "TEXT"),
               ("agency_key", "TEXT REFERENCES agencies(agency_key)"), ("年度", "INTEGER"),
               ("模板", "TEXT"), *((label, "TEXT") for _, label in region), ("层级", "TEXT"),
               ("状态", "TEXT"), ("审核人", "TEXT"),
               *((label, "NUMERIC") for label in TOTALS.values()),
               *((name, "REAL") for name in RATES), ("纠正率", "REAL"),
               ("未通过检查", "INTEGER"), ("空白单元格", "INTEGER"), ("计算单元格", "INTEGER"))
    # The default order (新收申请 descending, then report_id) as an index: a later page's
    # keyset condition (新收申请 < x or null or = x and report_id > y) then reads 51 entries in
    # order instead of sorting every report. Each default facet over the same columns: a
    # later page's facets count the rows after the page's key, from the index alone.
    # (层级, 新收申请, 年度) also serves the percentiles per level, with or without a year.
    order = ("新收申请", "report_id")
    return Derived("report_summary", columns, select, indexes=(
        ("年度",), ("省", "年度"), ("市", "年度", "层级"), ("省", "年度", "层级"), ("层级", "年度"),
        ("状态", "未通过检查"), ("agency_key", "年度"), ("新收申请 DESC", "report_id"),
        ("办理总数",), ("未通过检查",), ("机关",), ("省", *order), ("层级", "新收申请", "年度",
                                                               "report_id"),
        ("年度", *order), ("状态", *order)))


def facet_pairs(facets: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """An index on every ordered pair of a table's facets: with one facet picked, each other
    facet's counts (and the picked one's row count) come from an index alone, not from a
    lookup of every row picked (at 100,000 reports, hundreds of thousands)."""
    return tuple((a, b) for a in facets for b in facets if a != b)


def _wide(section: str) -> Derived:
    measures = wide_measures(section)
    alias = {m: f"c{k}" for k, (m, _) in enumerate(measures)}

    def cell(measure: str) -> str:
        return f"{alias[measure]}.value"

    joins = "".join(
        f"\n  LEFT JOIN cells {a} ON {a}.report_id = s.report_id AND {a}.section = '{section}'"
        f" AND {a}.item = i.item AND {a}.measure = '{m}'" for m, a in alias.items())
    # One row per report and item of its template, each measure looked up by the cells'
    # primary key (at most one cell: a LEFT JOIN per measure, cheaper than a scalar subquery
    # each, requests_wide 1.29 s -> 1.14): pivoting with max(CASE ...) GROUP BY sorted every
    # cell of the section into a temporary b-tree (requests_wide: 8.7 s of a 10,000-report
    # load). The rows come out in order, unsorted: the reports by report_id, then each one's
    # items through site_items_position. (s.rowid: report_summary's report_id, a rowid
    # table's PRIMARY KEY, could be NULL, so without it the planner sorted each report's
    # items; requests_wide 0.3 s of 1.5.)
    select = f"""SELECT s.report_id, s.机关, s.agency_key, s.年度, s.模板, s.省, s.市, s.层级,
  i.position, i.item, i.label,
  {", ".join(cell(m) for m, _ in measures)}
FROM report_summary s CROSS JOIN site_items i{joins}
WHERE i.template = s.模板 AND i.section = '{section}' AND {{where}}
ORDER BY s.report_id, s.rowid, i.position"""
    columns = (("report_id", "TEXT"), ("机关", "TEXT"), ("agency_key", "TEXT"),
               ("年度", "INTEGER"), ("模板", "TEXT"), ("省", "TEXT"), ("市", "TEXT"),
               ("层级", "TEXT"), ("行序", "INTEGER"), ("项目代码", "TEXT"), ("项目", "TEXT"),
               *((label, "NUMERIC") for _, label in measures))
    if section == "appeals":
        columns += (("纠正率", "REAL"),)
        select = select.replace("\nFROM", f",\n  round(100.0 * {cell('corrected')} / "
                                f"nullif({cell('total')}, 0), 1)\nFROM", 1)
    return Derived(f"{section}_wide", columns, select, indexes=(
        ("report_id", "行序"), ("年度",), ("项目",), ("项目", "年度"), ("agency_key",),
        ("省", "年度")))


def _failures() -> Derived:
    select = """SELECT k.report_id, s.机关, s.agency_key, s.年度, s.省, s.层级,
  CASE WHEN k.rule LIKE '%chain' THEN '跨年' ELSE '报告内' END,
  coalesce(ru.title, k.rule), coalesce(sc.label, k.subject), k.expected, k.actual,
  k.actual - k.expected, coalesce(ru.description, ''), k.rule, k.subject,
  k.previous_report_id, p.年度
FROM report_summary s JOIN checks k ON k.report_id = s.report_id
  LEFT JOIN site_rules ru ON ru.rule = k.rule
  LEFT JOIN site_codes sc ON sc.section = ru.section AND sc.code = k.subject
  LEFT JOIN report_summary p ON p.report_id = k.previous_report_id
WHERE k.ok = 0 AND {where}"""
    columns = (("report_id", "TEXT"), ("机关", "TEXT"), ("agency_key", "TEXT"),
               ("年度", "INTEGER"), ("省", "TEXT"), ("层级", "TEXT"), ("类别", "TEXT"),
               ("规则", "TEXT"), ("对象", "TEXT"), ("应为", "NUMERIC"), ("实为", "NUMERIC"),
               ("差额", "NUMERIC"), ("规则说明", "TEXT"), ("规则代码", "TEXT"),
               ("对象代码", "TEXT"), ("上年报告", "TEXT"), ("上年", "INTEGER"))
    return Derived("check_failures", columns, select, indexes=(
        ("report_id",), *facet_pairs(("类别", "规则", "年度")), ("agency_key",)))


def _flagged() -> Derived:
    select = """SELECT c.report_id, s.机关, s.年度, s.省, s.层级, sec.short, c.item_label,
  c.measure_label, c.value, c.printed, ogi_flags(c.flags), ogi_note(c.note), c.section,
  c.item, c.measure, c.flags
FROM report_summary s CROSS JOIN cells c
  JOIN site_sections sec ON sec.section = c.section
WHERE c.report_id = s.report_id AND c.flags != '' AND {where}"""
    columns = (("report_id", "TEXT"), ("机关", "TEXT"), ("年度", "INTEGER"), ("省", "TEXT"),
               ("层级", "TEXT"), ("表", "TEXT"), ("项目", "TEXT"), ("栏目", "TEXT"),
               ("数值", "NUMERIC"), ("原文", "TEXT"), ("标记", "TEXT"), ("说明", "TEXT"),
               ("表代码", "TEXT"), ("项目代码", "TEXT"), ("栏目代码", "TEXT"), ("标记代码", "TEXT"))
    return Derived("flagged_cells", columns, select, indexes=(
        ("report_id",), *facet_pairs(("标记", "表", "年度"))))


def _corrections() -> Derived:
    # The corrected cells first (CROSS JOIN), read through the partial index cells_corrected:
    # from report_summary, the planner read every cell of every report (0.2 s of a
    # 10,000-report rebuild for one correction). A narrower {where} still reaches only its
    # reports' cells (report_id IN ... carries over to x), and the ORDER BY keeps the rows in
    # the order the report-first plan gave them.
    select = """SELECT x.report_id, s.机关, s.年度, sec.short, coalesce(c.item_label, x.item),
  coalesce(c.measure_label, x.measure), x.extracted, x.corrected, x.address, x.reviewer,
  x.logged_at, x.section, x.item, x.measure
FROM corrections_in_force x CROSS JOIN report_summary s ON s.report_id = x.report_id
  LEFT JOIN site_sections sec ON sec.section = x.section
  LEFT JOIN cells c ON c.report_id = x.report_id AND c.section = x.section
    AND c.item = x.item AND c.measure = x.measure
WHERE {where}
ORDER BY s.rowid, x.section, x.item, x.measure"""
    columns = (("report_id", "TEXT"), ("机关", "TEXT"), ("年度", "INTEGER"), ("表", "TEXT"),
               ("项目", "TEXT"), ("栏目", "TEXT"), ("提取值", "NUMERIC"), ("更正值", "NUMERIC"),
               ("单元格", "TEXT"), ("审核人", "TEXT"), ("记录时间", "TEXT"), ("表代码", "TEXT"),
               ("项目代码", "TEXT"), ("栏目代码", "TEXT"))
    return Derived("correction_log", columns, select, indexes=(
        ("report_id",), ("审核人",), ("记录时间",)))


def _jumps() -> Derived:
    figures = list(TOTALS.values())
    values = ", ".join(f"({i}, '{label}')" for i, label in enumerate(figures))

    def pick(alias: str) -> str:
        whens = " ".join(f'WHEN {i} THEN {alias}."{label}"' for i, label in enumerate(figures))
        return f"CASE f.k {whens} END"

    select = f"""SELECT report_id, 机关, agency_key, 省, 层级, 上年, 本年, 项目, 上年数, 本年数,
  round(1.0 * 本年数 / 上年数, 2), 上年报告
FROM (SELECT s.report_id, s.机关, s.agency_key, s.省, s.层级, p.年度 AS 上年, s.年度 AS 本年,
        f.label AS 项目, {pick("p")} AS 上年数, {pick("s")} AS 本年数, p.report_id AS 上年报告
      FROM report_summary s
        JOIN report_summary p ON p.agency_key = s.agency_key AND p.年度 = s.年度 - 1
        CROSS JOIN (SELECT column1 AS k, column2 AS label FROM (VALUES {values})) f
      WHERE {{where}})
WHERE 上年数 > 0 AND 本年数 > 0
  AND max(上年数, 本年数) > {JUMP_FACTOR} * min(上年数, 本年数)"""
    columns = (("report_id", "TEXT"), ("机关", "TEXT"), ("agency_key", "TEXT"), ("省", "TEXT"),
               ("层级", "TEXT"), ("上年", "INTEGER"), ("本年", "INTEGER"), ("项目", "TEXT"),
               ("上年数", "NUMERIC"), ("本年数", "NUMERIC"), ("倍数", "REAL"),
               ("上年报告", "TEXT"))
    return Derived("yoy_jumps", columns, select, indexes=(
        ("report_id",), ("项目",), ("本年",), ("倍数",)))


def _agencies() -> Derived:
    select = """SELECT g.agency_key,
  (SELECT x.机关 FROM report_summary x WHERE x.agency_key = g.agency_key
   ORDER BY x.年度 DESC LIMIT 1),
  (SELECT group_concat(n, '、') FROM (SELECT DISTINCT x.机关 AS n FROM report_summary x
   WHERE x.agency_key = g.agency_key ORDER BY x.年度)),
  g.省, g.市, g.县, g.层级, g.n, g.first, g.last,
  (SELECT group_concat(y, '、') FROM (SELECT DISTINCT x.年度 AS y FROM report_summary x
   WHERE x.agency_key = g.agency_key ORDER BY x.年度)),
  (SELECT x.report_id FROM report_summary x WHERE x.agency_key = g.agency_key
   ORDER BY x.年度 DESC LIMIT 1)
FROM (SELECT agency_key, max(省) AS 省, max(市) AS 市, max(县) AS 县, max(层级) AS 层级,
        count(*) AS n, min(年度) AS first, max(年度) AS last
      FROM report_summary WHERE agency_key IS NOT NULL AND {where} GROUP BY agency_key) g"""
    columns = (("agency_key", "TEXT PRIMARY KEY"), ("机关", "TEXT"), ("所用名称", "TEXT"),
               ("省", "TEXT"), ("市", "TEXT"), ("县", "TEXT"), ("层级", "TEXT"),
               ("报告数", "INTEGER"), ("首年", "INTEGER"), ("末年", "INTEGER"),
               ("年度", "TEXT"), ("最近报告", "TEXT"))
    return Derived("agencies", columns, select, indexes=(("机关",), ("省", "层级"), ("报告数",)),
                   key=("agency_key",), by_group=True)


def _regions() -> Derived:
    sums = ", ".join(f'sum("{label}")' for label in TOTALS.values())
    select = f"""SELECT 省, 市, 年度, count(*), {sums},
  round(100.0 * (coalesce(sum(予以公开), 0) + coalesce(sum(部分公开), 0))
        / nullif(sum(办理总数), 0), 1)
FROM report_summary WHERE {{where}} GROUP BY 省, 市, 年度"""
    columns = (("省", "TEXT"), ("市", "TEXT"), ("年度", "INTEGER"), ("报告数", "INTEGER"),
               *((label, "NUMERIC") for label in TOTALS.values()), ("公开率", "REAL"))
    return Derived("region_summary", columns, select, indexes=(
        ("省", "年度"), ("年度",), ("新收申请",)), key=("省", "市", "年度"), by_group=True)


REASON_GROUPS = ("withheld", "unable", "rejected")  # section 三's groups with reasons


def _reasons() -> Derived:
    """The reasons of 不予公开 / 无法提供 / 不予处理 (总计 column) summed per province and year:
    the withholding-reasons query reads a few thousand rows instead of two million."""
    kinds: dict[str, str] = {}
    for template in tpl.TEMPLATES:
        for g in tpl.row_groups(template, "requests"):
            if g.code in REASON_GROUPS:
                kinds.update({i: g.label for i in g.items})
    kind = _case("w.项目代码", kinds)
    listed = ", ".join(f"'{i}'" for i in kinds)
    total = total_column("requests")
    select = f"""SELECT w.省, w.年度, {kind}, w.项目代码, min(w.项目), sum(w."{total}"),
  count(CASE WHEN w."{total}" > 0 THEN 1 END)
FROM requests_wide w WHERE w.项目代码 IN ({listed}) AND {{where}}
GROUP BY w.省, w.年度, w.项目代码"""
    columns = (("省", "TEXT"), ("年度", "INTEGER"), ("类别", "TEXT"), ("项目代码", "TEXT"),
               ("理由", "TEXT"), ("件数", "NUMERIC"), ("报告数", "INTEGER"))
    return Derived("reason_summary", columns, select, indexes=(("年度",), ("省", "年度")),
                   key=("省", "年度"), by_group=True)


def derived_tables(have: set[str]) -> tuple[Derived, ...]:
    """The precomputed tables in the order they are filled (later ones read report_summary),
    given the columns ``reports`` has."""
    return (_summary(have), *(_wide(s) for s in WIDE_SECTIONS), _failures(), _flagged(),
            _corrections(), _jumps(), _agencies(), _regions(), _reasons())


# --- lookup tables: the template's codes with their Chinese labels ---------------------------

def _lookups() -> dict[str, tuple[str, list[tuple]]]:
    """name -> (its CREATE TABLE columns, its rows)."""
    items = [(t, s, i, n, tpl.item_label(t, s, i)) for t in tpl.TEMPLATES for s in tpl.SECTIONS
             for n, i in enumerate(tpl.items(t, s), 1)]
    codes = sorted({(s, code, label) for s in tpl.SECTIONS
                    for code, label in labels.section_codes(s).items()})
    rules = [(r["rule"], r["section"], r.get("title", r["rule"]), r["description"],
              r["statement"]) for r in (*tpl.structure()["identities"],
                                        *tpl.structure()["chain_identities"])]
    sections = [(s, labels.SECTION_SHORT[s], labels.section_label(s)) for s in tpl.SECTIONS]
    return {
        "site_items": ("template, section, item, position, label, "
                       "PRIMARY KEY (template, section, item)", items),
        "site_codes": ("section, code, label, PRIMARY KEY (section, code)", codes),
        "site_rules": ("rule PRIMARY KEY, section, title, description, statement", rules),
        "site_sections": ("section PRIMARY KEY, short, title", sections)}


# A section's items in the template's order (the wide tables read them so, unsorted)
LOOKUP_INDEXES = ("CREATE INDEX site_items_position ON site_items (template, section, "
                  "position)",)


def _write_lookups(conn: sqlite3.Connection) -> None:
    for name, (columns, rows) in _lookups().items():
        conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.execute(f"CREATE TABLE {name} ({columns})")
        conn.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    for sql in LOOKUP_INDEXES:
        conn.execute(sql)


# --- refresh ----------------------------------------------------------------------------------

STATE = "site_state"  # one row: the signature of the definitions the tables were built with


def register_functions(conn: sqlite3.Connection) -> None:
    """The Python functions the SELECTs call (labels of flags and notes, agency keys)."""
    conn.create_function("ogi_flags", 1, labels.flags_label, deterministic=True)
    conn.create_function("ogi_note", 1, labels.note_label, deterministic=True)
    conn.create_function("ogi_agency_key", 2, agency_key, deterministic=True)


def signature(tables: Iterable[Derived]) -> str:
    text = "\n".join(t.create() + t.select + repr(t.indexes) for t in tables)
    text += repr(sorted(_lookups().items())) + repr(LOOKUP_INDEXES)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _stored(conn: sqlite3.Connection, key: str) -> str | None:
    try:
        row = conn.execute(f"SELECT value FROM {STATE} WHERE key = ?", [key]).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _stamp(conn: sqlite3.Connection, have: set[str]) -> str:
    """What the reports are, cheaply: a database changed other than through the loader (which
    says what it changed) shows a different stamp, and its tables are rebuilt."""
    parts = ["count(*)", *(f"max({c})" for c in ("loaded_at",) if c in have),
             *(f"total({c})" for c in ("workbook_mtime",) if c in have)]
    return repr(tuple(conn.execute(f"SELECT {', '.join(parts)} FROM reports").fetchone()))


def _columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(reports)")}


def is_current(conn: sqlite3.Connection) -> bool:
    """Whether the tables were built by these definitions from these reports."""
    have = _columns(conn)
    return (_stored(conn, "signature") == signature(derived_tables(have))
            and _stored(conn, "stamp") == _stamp(conn, have))


def _rebuild(conn: sqlite3.Connection, tables: tuple[Derived, ...], sig: str,
             progress: Callable[[str], None] | None) -> None:
    _write_lookups(conn)
    conn.execute("PRAGMA analysis_limit = 1000")  # approximate statistics, in milliseconds
    for t in tables:
        kind = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", [t.name]).fetchone()
        if kind:
            conn.execute(f'DROP {kind[0]} "{t.name}"')
        conn.execute(t.create())
        conn.execute(t.insert("1"))
        for sql in t.index_sql():  # after the rows: one sort per index
            conn.execute(sql)
        conn.execute(f'ANALYZE "{t.name}"')
        if progress is not None:
            progress(t.name)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {STATE} (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(f"INSERT OR REPLACE INTO {STATE} VALUES ('signature', ?)", [sig])


def _ids_table(conn: sqlite3.Connection, name: str, rows: Iterable[tuple], columns: int) -> None:
    conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
    conn.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'c{i}' for i in range(columns))})")
    conn.executemany(f"INSERT INTO temp.{name} VALUES ({', '.join('?' * columns)})", rows)


def _refresh(conn: sqlite3.Connection, tables: tuple[Derived, ...], have: set[str],
             changed: set[str]) -> None:
    summary, key = tables[0], agency_key_sql(have)
    # every year of each agency a changed report belongs to, before and after the change
    _ids_table(conn, "ogi_changed", ((i,) for i in changed), 1)
    # the tables keyed by a group sum the reports' own rows: the groups of the reports changed
    # themselves, not of their agencies' other years (ten province-years instead of one)
    _ids_table(conn, "ogi_direct", ((i,) for i in changed), 1)
    conn.execute(f"""CREATE TEMP TABLE ogi_keys AS
        SELECT agency_key AS k FROM report_summary WHERE report_id IN temp.ogi_changed
        UNION SELECT {key} FROM reports r WHERE r.report_id IN temp.ogi_changed""")
    conn.execute(f"""INSERT INTO temp.ogi_changed SELECT report_id FROM report_summary
        WHERE agency_key IN temp.ogi_keys UNION SELECT r.report_id FROM reports r
        WHERE {key} IN temp.ogi_keys""")
    groups = {t.name: t for t in tables if t.by_group}
    olds = {name: _groups(conn, t) for name, t in groups.items()}
    for t in tables:
        if t.by_group:
            continue
        conn.execute(f'DELETE FROM "{t.name}" WHERE report_id IN temp.ogi_changed')
        alias = "r" if t is summary else "s"
        conn.execute(t.insert(f"{alias}.report_id IN temp.ogi_changed"))
    for name, t in groups.items():
        rows = olds[name] | _groups(conn, t)
        _ids_table(conn, "ogi_groups", rows, len(t.key))
        # IS, not =: a group may be NULL in part (a province's own agencies have no 市)
        if len(t.key) == 1:
            match = f'"{t.key[0]}" IN (SELECT c0 FROM temp.ogi_groups)'
        elif len(rows) <= _LITERAL_GROUPS:
            # the groups spelled out: each term reads its group through an index, where the
            # EXISTS below reads the whole table it fills from (a reload's 400 ms at 10,000)
            match = "(" + " OR ".join("(" + " AND ".join(
                f'"{c}" IS {_literal(v)}' for c, v in zip(t.key, row, strict=True)) + ")"
                for row in sorted(rows, key=repr)) + ")" if rows else "0"
        else:
            match = "EXISTS (SELECT 1 FROM temp.ogi_groups g WHERE {})".format(
                " AND ".join(f'g.c{i} IS "{c}"' for i, c in enumerate(t.key)))
        conn.execute(f'DELETE FROM "{t.name}" WHERE {match}')
        conn.execute(t.insert(match))
    conn.execute("DROP TABLE temp.ogi_keys")
    conn.execute("DROP TABLE temp.ogi_direct")


_LITERAL_GROUPS = 64  # more groups than this (a large load): matched through a temp table


def _literal(value: object) -> str:
    """``value`` as an SQL literal (a group's province, city, year: text, numbers, NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _groups(conn: sqlite3.Connection, t: Derived) -> set[tuple]:
    cols = ", ".join(f'"{c}"' for c in t.key)
    return set(conn.execute(f"SELECT DISTINCT {cols} FROM report_summary "
                            "WHERE report_id IN temp.ogi_direct"))


def refresh(conn: sqlite3.Connection, changed: set[str] | None = None,
            progress: Callable[[str], None] | None = None) -> bool:
    """Bring the precomputed tables up to date in one transaction: everything when
    ``changed`` is None, when the definitions changed since they were built, or when the
    reports changed without a word (``changed`` empty, stamp differs); else only what the
    reports ``changed`` touch. ``progress(name)`` after each table rebuilt. Returns whether
    it rebuilt everything."""
    have = _columns(conn)
    tables = derived_tables(have)
    sig = signature(tables)
    register_functions(conn)
    full = (changed is None or _stored(conn, "signature") != sig
            or (not changed and _stored(conn, "stamp") != _stamp(conn, have)))
    with conn:
        if full:
            _rebuild(conn, tables, sig, progress)
        elif changed:
            _refresh(conn, tables, have, set(changed))
        conn.execute(f"INSERT OR REPLACE INTO {STATE} VALUES ('stamp', ?)", [_stamp(conn, have)])
    return full
