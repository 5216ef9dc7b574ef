"""The report's prose sections (一 总体情况, 五 问题及改进, 六 其他事项) from the text layer,
for full-text search."""

from __future__ import annotations

import re

_FOOTER = re.compile(r"^\s*[-—－]\s*\d+\s*[-—－]\s*$")
_HEADINGS = {
    "一": re.compile(r"一、\s*总\s*体\s*情\s*况"),
    "五": re.compile(r"五、[^\n]{0,20}?存\s*在\s*的?\s*主\s*要\s*问\s*题[^\n]*"),
    "六": re.compile(r"六、\s*其\s*他\s*需\s*要\s*报\s*告\s*的\s*事\s*项"),
}
_ENDS = {"一": re.compile(r"二、\s*主\s*动\s*公\s*开"), "五": _HEADINGS["六"], "六": None}


def _join(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if not _FOOTER.match(ln)]
    return "".join(ln for ln in lines if ln)


def narrative_sections(pages: list[str]) -> dict[str, tuple[str, str]]:
    """Section number -> (heading as printed, text). Sections not found are left out."""
    text = "\n".join(pages).replace("\r\n", "\n")
    found: dict[str, tuple[str, str]] = {}
    for number, heading in _HEADINGS.items():
        m = heading.search(text)
        if not m:
            continue
        end_re = _ENDS[number]
        end = end_re.search(text, m.end()) if end_re else None
        body = _join(text[m.end(): end.start() if end else len(text)])
        if body:
            found[number] = (re.sub(r"\s+", "", m.group(0)), body)
    return found
