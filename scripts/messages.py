"""The translation catalogs: collect every text a person reads, add new ones to each ``.po``,
compile the ``.mo`` files.

    python scripts/messages.py           # (make messages) update etl/locale/*/…/*.po and .mo
    python scripts/messages.py --check   # exit 1 when a text has no translation or a .mo is stale

Two domains:

- ``ogi``: our own texts, Chinese in the source. Collected from etl/: every ``_("…")`` call
  (and ``N_("…")``, which marks a text kept in a table and translated later with
  ``_(variable)``), and in etl/cli.py the commands' docstrings (their help text) and every
  ``help="…"``.
  Catalogs: ``etl/locale/<lang>/LC_MESSAGES/ogi.po`` (English: ``en``). A new text arrives
  with an empty ``msgstr``: write its translation there, then run this again.
- ``click``: click's own texts (Usage:, Options, its error messages), English in click's
  source, translated into Chinese in ``etl/locale/zh/LC_MESSAGES/click.po``; collected from
  the installed click.

The ``.mo`` files are committed (no build step, editable installs work); the check (and
tests/test_i18n.py) fails when one no longer matches its ``.po``.
"""

from __future__ import annotations

import argparse
import ast
import gettext
import inspect
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parent.parent
ETL = REPO / "etl"
LOCALE = ETL / "locale"
CLI = ETL / "cli.py"

Msgid = str | tuple[str, str]  # a plural message: (singular, plural)


class Unextractable(Exception):
    """A ``_()`` call whose text is not a literal string (an f-string, a variable …): its
    text cannot be looked up in a catalog."""


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _decorated_as_command(fn: ast.FunctionDef) -> bool:
    for d in fn.decorator_list:
        call = d.func if isinstance(d, ast.Call) else d
        if isinstance(call, ast.Attribute) and call.attr in ("command", "group"):
            return True
    return False


def messages_in(path: Path, functions: tuple[str, ...] = ("_",), help_texts: bool = False,
                strict: bool = True) -> Iterator[tuple[Msgid, int]]:
    """(msgid, line) of every translatable text in one source file; ``strict``: a call of
    something else than a literal is an error."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name in functions or name == "N_":
                args = node.args[:2 if name == "ngettext" else 1]
                texts = [_literal(a) for a in args]
                if texts and None not in texts:
                    yield (texts[0] if len(texts) == 1 else (texts[0], texts[1])), node.lineno
                elif strict and not all(isinstance(a, ast.Name | ast.Attribute | ast.Subscript)
                                        for a in args):
                    # An f-string, a concatenation, a .format() inside: never in a catalog.
                    # (A variable is fine when its texts are marked N_("…") where written.)
                    raise Unextractable(f"{path}:{node.lineno}: {name}() of a text made at "
                                        "run time: translate the literal and fill in after, "
                                        '_("…{name}…").format(name=…)')
            if help_texts:
                for kw in node.keywords:
                    if kw.arg == "help" and (text := _literal(kw.value)):
                        yield text, node.lineno
        elif (help_texts and isinstance(node, ast.FunctionDef) and _decorated_as_command(node)
              and (doc := ast.get_docstring(node, clean=False))):
            yield inspect.cleandoc(doc), node.lineno


def ogi_messages() -> dict[Msgid, list[tuple[str, int]]]:
    """Every text of etl/ with where it is used."""
    found: dict[Msgid, list[tuple[str, int]]] = {}
    for path in sorted(ETL.rglob("*.py")):
        for msgid, line in messages_in(path, help_texts=path == CLI):
            found.setdefault(msgid, []).append((str(path.relative_to(REPO)), line))
    return found


def click_messages() -> dict[Msgid, list[tuple[str, int]]]:
    import click

    found: dict[Msgid, list[tuple[str, int]]] = {}
    for path in sorted(Path(click.__file__).parent.glob("*.py")):
        if path.name.startswith("_win"):
            continue
        for msgid, line in messages_in(path, ("_", "ngettext"), strict=False):
            found.setdefault(msgid, []).append((f"click/{path.name}", line))
    found.setdefault("required", [("click/core.py", 0)])  # _(extra["required"])
    return found


DOMAINS = {"ogi": (ogi_messages, ("en",)), "click": (click_messages, ("zh",))}


def po_path(domain: str, lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


def read_catalog(path: Path, lang: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=lang, domain=path.stem, project="ogi-etl")
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=path.stem)


def updated(domain: str, lang: str) -> Catalog:
    """The catalog of ``domain`` in ``lang`` with every current text (translations kept,
    new texts untranslated, texts no longer used dropped)."""
    collect, _ = DOMAINS[domain]
    old = read_catalog(po_path(domain, lang), lang)
    # The dates of the old header are kept, so that updating changes only what changed.
    new = Catalog(locale=lang, domain=domain, project="ogi-etl", version="",
                  copyright_holder="", charset="utf-8", creation_date=old.creation_date,
                  revision_date=old.revision_date, fuzzy=False,
                  header_comment=f"# {domain}: {lang} translations for ogi-etl, updated by "
                                 "scripts/messages.py (make messages).")
    for msgid, where in collect().items():
        had = old.get(msgid)
        string: str | tuple[str, ...] = had.string if had is not None else (
            ("",) * new.num_plurals if isinstance(msgid, tuple) else "")
        new.add(msgid, string, locations=where,
                flags=had.flags if had is not None else ())
    return new


def problems(catalog: Catalog) -> list[str]:
    """Texts of a catalog without a usable translation, or whose {placeholders} differ."""
    import string

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}

    out = []
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        where = ", ".join(f"{f}:{n}" for f, n in m.locations[:2])
        if m.fuzzy or not all(strings):
            out.append(f"{catalog.locale}/{catalog.domain}.po: no translation of {ids[0]!r} "
                       f"({where})")
        elif any(fields(s) != fields(ids[0]) for s in strings) if len(ids) == 1 else any(
                not fields(s) <= fields(ids[0]) | fields(ids[1]) for s in strings):
            out.append(f"{catalog.locale}/{catalog.domain}.po: the translation of {ids[0]!r} "
                       f"has other {{placeholders}} ({where})")
    return out


def _ids(catalog: Catalog) -> set[Msgid]:
    return {m.id for m in catalog if m.id}


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def mo_matches_po(po: Path) -> bool:
    """The committed .mo holds exactly the translations of the .po beside it."""
    mo = po.with_suffix(".mo")
    if not mo.exists():
        return False
    catalog = read_catalog(po, po.parent.parent.name)
    with mo.open("rb") as f:
        have = gettext.GNUTranslations(f)._catalog  # noqa: SLF001 - the parsed messages
    want = gettext.GNUTranslations(io.BytesIO(compiled(catalog)))._catalog  # noqa: SLF001
    return have == want


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 on a missing translation or a stale .mo")
    args = parser.parse_args(argv)
    try:
        catalogs = [updated(d, lang) for d, (_, langs) in DOMAINS.items() for lang in langs]
    except Unextractable as e:
        print(e, file=sys.stderr)
        return 1
    trouble: list[str] = []
    for catalog in catalogs:
        po = po_path(catalog.domain, str(catalog.locale))
        if args.check:
            if _ids(read_catalog(po, str(catalog.locale))) != _ids(catalog):
                trouble.append(f"{po.relative_to(REPO)}: texts added or removed since it was "
                               "last updated: run python scripts/messages.py")
            elif not mo_matches_po(po):
                trouble.append(f"{po.with_suffix('.mo').relative_to(REPO)}: does not match "
                               "its .po: run python scripts/messages.py")
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            with po.open("wb") as f:
                # No line numbers: they would change (and conflict) whenever code moves.
                write_po(f, catalog, width=100, sort_output=True, include_lineno=False,
                         ignore_obsolete=True)
            po.with_suffix(".mo").write_bytes(compiled(catalog))
            todo = sum(1 for m in catalog if m.id and not all(
                m.string if isinstance(m.string, tuple) else (m.string,)))
            print(f"{po.relative_to(REPO)}: {len(catalog)} texts, {todo} to translate")
        trouble += problems(catalog)
    for line in trouble:
        print(line, file=sys.stderr)
    return 1 if trouble and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
