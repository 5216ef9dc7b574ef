"""Search of the reports' prose (sections 一, 五, 六), for words of any length.

The trigram index (``narrative_fts``) finds a phrase of three characters or more; most
Chinese words have two (公开, 复议), which a trigram cannot match, so those are found by
``instr`` over the text, newest reports first, a page at a time, a window of rows a query
for a fraction of a second (a common word fills a page after a few hundred rows; a rare one
stops there and the page offers to search the older reports on).
Matches come back marked (``START``/``END`` around each) for the page to highlight.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

START, END = "\x02", "\x03"
PAGE = 50
TRIGRAM = 3  # the shortest phrase the trigram index matches
EXCERPT = 40  # characters either side of the first match in a short-word excerpt
SCAN_WINDOW = 5_000  # narrative rows a short-word query reads (about 10 MB of text)
# The page shows what it found and offers to search on before a window would end past this:
# a page at most this long plus one window (at 100,000 reports ~50 ms), not the time limit.
SCAN_BUDGET_S = 0.25
COUNT_TIME_LIMIT_MS = 400  # counting a common word's matches may take longer: then no count


@dataclass
class Hit:
    rowid: int
    report_id: str
    section: str
    title: str
    excerpt: str  # with START/END around the matches
    agency: str | None = None
    year: int | None = None


def _now() -> float:
    """The scan's clock (a function of its own, so that a test can set the time)."""
    return time.monotonic()


def _phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


def excerpt(text: str, q: str, width: int = EXCERPT) -> str:
    """The text around the first match of ``q``, every match in it marked."""
    at = text.find(q)
    if at < 0:
        return text[:2 * width]
    start, end = max(0, at - width), min(len(text), at + len(q) + width)
    piece = text[start:end].replace(q, f"{START}{q}{END}")
    return ("…" if start else "") + piece + ("…" if end < len(text) else "")


async def _fts(db: Any, q: str, before: int | None, limit: int) -> list[Hit]:
    rows = await db.execute(
        "SELECT n.rowid, n.report_id, n.section, n.title, "
        f"snippet(narrative_fts, -1, char(2), char(3), '…', {EXCERPT // 2}) AS excerpt "
        "FROM narrative_fts JOIN narrative n ON n.rowid = narrative_fts.rowid "
        "WHERE narrative_fts MATCH :q AND (:before IS NULL OR narrative_fts.rowid < :before) "
        "ORDER BY narrative_fts.rowid DESC LIMIT :limit",
        {"q": _phrase(q), "before": before, "limit": limit})
    return [Hit(r["rowid"], r["report_id"], r["section"], r["title"] or "", r["excerpt"] or "")
            for r in rows.rows]


async def _scan(db: Any, q: str, before: int | None, limit: int
                ) -> tuple[list[Hit], int | None]:
    """Matches of a short word by ``instr``, newest first, ``SCAN_WINDOW`` rowids a query, for
    at most ``SCAN_BUDGET_S``: a rare word would read every report's text, past the time
    limit. Returns the hits and, if the scan stopped before the oldest row, where to go on."""
    if before is None:
        before = (await db.execute("SELECT max(rowid) FROM narrative")).rows[0][0]
        before = None if before is None else before + 1
    hits: list[Hit] = []
    started = _now()
    while before is not None and before > 0 and len(hits) < limit:
        window_started = _now()
        low = max(before - SCAN_WINDOW, 0)
        rows = await db.execute(
            "SELECT rowid, report_id, section, title, text FROM narrative "
            "WHERE rowid < :before AND rowid >= :low "
            "AND (instr(text, :q) > 0 OR instr(title, :q) > 0) ORDER BY rowid DESC LIMIT :limit",
            {"q": q, "before": before, "low": low, "limit": limit - len(hits)})
        hits += [Hit(r["rowid"], r["report_id"], r["section"], r["title"] or "",
                     excerpt(r["text"] or "", q)) for r in rows.rows]
        if len(hits) >= limit:
            return hits, None
        before = low if low > 0 else None
        now = _now()
        # stop before a window that would end past the budget (the last one's time as its
        # estimate), not after it: a rare word's page took the budget plus a window or two
        if now - started + (now - window_started) > SCAN_BUDGET_S:
            break
    return hits, before


async def scanned_share(db: Any, resume: int | None) -> int | None:
    """How much of the prose (per cent of the sections, newest first) a short-word search has
    read when it stopped at ``resume``, for the page to say; None when it read everything."""
    if resume is None:
        return None
    top = (await db.execute("SELECT max(rowid) FROM narrative")).rows[0][0] or 0
    return min(99, int(100 * (top + 1 - resume) / (top + 1))) if top else None


async def search(db: Any, q: str, before: int | None = None, limit: int = PAGE
                 ) -> tuple[list[Hit], int | None]:
    """One page of matches of ``q``, newest first (rowids below ``before``), with the agency
    and year of each; and the rowid to pass as ``before`` for the next page, if any."""
    q = q.strip()
    if not q:
        return [], None
    resume = None  # a short word's scan stopped by its time budget: where it goes on
    if len(q) >= TRIGRAM:
        hits = await _fts(db, q, before, limit + 1)
    else:
        hits, resume = await _scan(db, q, before, limit + 1)
    more = len(hits) > limit
    hits = hits[:limit]
    if hits:
        ids = sorted({h.report_id for h in hits})
        marks = ", ".join(f":r{i}" for i in range(len(ids)))
        found = await db.execute(f'SELECT report_id, "机关", "年度" FROM report_summary '
                                 f"WHERE report_id IN ({marks})",
                                 {f"r{i}": r for i, r in enumerate(ids)})
        by_id = {r["report_id"]: r for r in found.rows}
        for h in hits:
            if h.report_id in by_id:
                h.agency, h.year = by_id[h.report_id]["机关"], by_id[h.report_id]["年度"]
    return hits, hits[-1].rowid if more else resume


async def count(db: Any, q: str) -> int | None:
    """How many sections match (trigram phrases only, and only if counted quickly)."""
    from datasette.database import QueryInterrupted

    q = q.strip()
    if len(q) < TRIGRAM:
        return None
    try:
        result = await db.execute(
            "SELECT count(*) FROM narrative_fts WHERE narrative_fts MATCH :q",
            {"q": _phrase(q)}, custom_time_limit=COUNT_TIME_LIMIT_MS)
    except QueryInterrupted:
        return None
    return result.rows[0][0]
