"""The ``ogi`` command. Only this module knows click: it parses arguments, calls a stage,
prints the outcome and turns ``EtlError`` into a message and an exit status."""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from etl.errors import EtlError

SHEETS = click.option("--sheets", "sheets_dir", default="sheets", show_default=True,
                      type=click.Path(file_okay=False, path_type=Path),
                      help="Folder of review workbooks.")
DB = click.option("--db", "db_path", default="db/ogi.db", show_default=True,
                  type=click.Path(dir_okay=False, path_type=Path), help="SQLite database.")
PATHS = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
FORCE = click.option("--force", is_flag=True,
                     help="Overwrite workbooks even if corrected (the old one is kept as .bak).")


def _errors_to_click(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EtlError as e:
            if click.get_current_context().find_root().params.get("verbose"):
                traceback.print_exc()
            raise click.ClickException(str(e)) from e
    return wrapper


@click.group()
@click.version_option(package_name="ogi-etl")
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks on errors.")
def cli(verbose: bool) -> None:
    """ogi: government-information-disclosure annual reports (政府信息公开工作年度报告)
    from PDF to review workbooks, a SQLite database and a Datasette site.

    \b
    Example:
        ogi build samples/        # extract + load
        ogi serve                 # browse at http://127.0.0.1:8001
    """


def _extract(paths: tuple[Path, ...], sheets_dir: Path, force: bool) -> int:
    from etl.build import extract_to_sheets, find_pdfs

    counts: dict[str, int] = {}
    for o in extract_to_sheets(find_pdfs(paths), sheets_dir, force):
        counts[o.status] = counts.get(o.status, 0) + 1
        if o.failed:
            click.secho(f"error    {o.message}", fg="red", err=True)
        else:
            click.echo(f"{o.status:<8} {o.pdf} -> {o.workbook}: {o.message}")
    failed = counts.get("failed", 0)
    click.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no PDFs found")
    return 1 if failed or not counts else 0


def _load(sheets_dir: Path, db_path: Path, prune: bool) -> int:
    from etl.load import load

    result = load(sheets_dir, db_path, prune=prune)
    for report_id in result.loaded:
        click.echo(f"loaded   {report_id}")
    for report_id in result.pruned:
        click.echo(f"pruned   {report_id}")
    for problem in result.problems:
        click.secho(f"error  {problem}", fg="red", err=True)
    click.echo(f"{len(result.loaded)} loaded, {len(result.refused)} refused"
               f"{f', {len(result.pruned)} pruned' if result.pruned else ''} -> {db_path}")
    return 1 if result.refused else 0


@cli.command()
@PATHS
@SHEETS
@FORCE
@_errors_to_click
def extract(paths: tuple[Path, ...], sheets_dir: Path, force: bool) -> None:
    """Extract report PDFs (files or folders) into review workbooks, one per report.

    A workbook a person has corrected is kept, not overwritten. Exits non-zero if any
    PDF failed; the others are still extracted.

    \b
    Example:
        ogi extract reports/2024/ --sheets sheets/
    """
    raise SystemExit(_extract(paths, sheets_dir, force))


@cli.command()
@SHEETS
@DB
@click.option("--prune", is_flag=True, help="Remove reports whose workbook is gone.")
@_errors_to_click
def load(sheets_dir: Path, db_path: Path, prune: bool) -> None:
    """Load the review workbooks into the SQLite database (idempotent).

    A workbook with problems is refused whole, every problem listed with its sheet!cell.

    \b
    Example:
        ogi load --sheets sheets/ --db db/ogi.db
    """
    raise SystemExit(_load(sheets_dir, db_path, prune))


@cli.command()
@PATHS
@SHEETS
@DB
@FORCE
@_errors_to_click
def build(paths: tuple[Path, ...], sheets_dir: Path, db_path: Path, force: bool) -> None:
    """Extract PDFs into workbooks, then load all workbooks into the database.

    \b
    Example:
        ogi build samples/ --db db/ogi.db
    """
    status = _extract(paths, sheets_dir, force)
    raise SystemExit(_load(sheets_dir, db_path, prune=False) or status)


@cli.command()
@DB
@click.option("--metadata", default="metadata.yml", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Datasette metadata file.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@_errors_to_click
def serve(db_path: Path, metadata: Path, host: str, port: int) -> None:
    """Serve the database with Datasette.

    \b
    Example:
        ogi serve --db db/ogi.db --port 8001
    """
    from etl.publish import serve as run

    click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl-C to stop)")
    raise SystemExit(run(db_path, metadata, host, port))
