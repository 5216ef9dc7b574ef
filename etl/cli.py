"""The ``ogi`` command. Only this module knows click: it parses arguments, calls a stage,
prints the outcome and turns ``EtlError`` into a message and an exit status."""

from __future__ import annotations

import contextlib
import functools
import sys
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
JOBS = click.option("--jobs", "-j", default=0, show_default=True, type=click.IntRange(0),
                    help="Parallel worker processes for extraction (0: one per core).")
# A progress bar only on a terminal and for batches worth one; logs and CI get plain lines.
_BAR_FROM = 20


def _bar(length: int, label: str) -> Any:
    if length >= _BAR_FROM and sys.stderr.isatty():
        return click.progressbar(length=length, label=label, file=sys.stderr)
    return contextlib.nullcontext(None)


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


def _extract(paths: tuple[Path, ...], sheets_dir: Path, force: bool, jobs: int) -> int:
    from etl.build import extract_to_sheets, find_pdfs

    pdfs = find_pdfs(paths)
    counts: dict[str, int] = {}
    with _bar(len(pdfs), "extracting") as bar:
        for o in extract_to_sheets(pdfs, sheets_dir, force, jobs):
            counts[o.status] = counts.get(o.status, 0) + 1
            if o.failed:
                click.secho(f"error    {o.message}", fg="red", err=True)
            elif bar is None or o.status == "kept":
                click.echo(f"{o.status:<8} {o.pdf} -> {o.workbook}: {o.message}")
            if bar is not None:
                bar.update(1)
    failed = counts.get("failed", 0)
    click.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no PDFs found")
    return 1 if failed or not counts else 0


def _load(sheets_dir: Path, db_path: Path, prune: bool, full: bool = False) -> int:
    from etl.load import load, workbooks

    with _bar(sum(1 for _ in workbooks(sheets_dir)) if sheets_dir.is_dir() else 0,
              "loading") as bar:
        result = load(sheets_dir, db_path, prune=prune, full=full,
                      progress=(lambda: bar.update(1)) if bar is not None else None)
    for report_id in result.loaded:
        click.echo(f"loaded   {report_id}")
    for report_id in result.pruned:
        click.echo(f"pruned   {report_id}")
    for problem in result.problems:
        click.secho(f"error  {problem}", fg="red", err=True)
    click.echo(f"{len(result.loaded)} loaded, {len(result.unchanged)} unchanged, "
               f"{len(result.refused)} refused"
               f"{f', {len(result.pruned)} pruned' if result.pruned else ''} -> {db_path}")
    return 1 if result.refused else 0


@cli.command()
@PATHS
@SHEETS
@FORCE
@JOBS
@_errors_to_click
def extract(paths: tuple[Path, ...], sheets_dir: Path, force: bool, jobs: int) -> None:
    """Extract report PDFs (files or folders) into review workbooks, one per report.

    A workbook a person has corrected is kept, not overwritten. Exits non-zero if any
    PDF failed; the others are still extracted.

    \b
    Example:
        ogi extract reports/2024/ --sheets sheets/
    """
    raise SystemExit(_extract(paths, sheets_dir, force, jobs))


@cli.command()
@SHEETS
@DB
@click.option("--prune", is_flag=True, help="Remove reports whose workbook is gone.")
@click.option("--full", is_flag=True, help="Re-read every workbook, even unchanged ones.")
@_errors_to_click
def load(sheets_dir: Path, db_path: Path, prune: bool, full: bool) -> None:
    """Load the review workbooks into the SQLite database (idempotent).

    A workbook with problems is refused whole, every problem listed with its sheet!cell.

    \b
    Example:
        ogi load --sheets sheets/ --db db/ogi.db
    """
    raise SystemExit(_load(sheets_dir, db_path, prune, full))


@cli.command()
@PATHS
@SHEETS
@DB
@FORCE
@JOBS
@_errors_to_click
def build(paths: tuple[Path, ...], sheets_dir: Path, db_path: Path, force: bool,
          jobs: int) -> None:
    """Extract PDFs into workbooks, then load all workbooks into the database.

    \b
    Example:
        ogi build samples/ --db db/ogi.db
    """
    status = _extract(paths, sheets_dir, force, jobs)
    raise SystemExit(_load(sheets_dir, db_path, prune=False) or status)


@cli.command()
@DB
@click.option("--metadata", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Datasette metadata file (default: the metadata.yml installed with ogi).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--sql-time-limit-ms", default=3000, show_default=True, type=int,
              help="Datasette's sql_time_limit_ms: longer queries are stopped.")
@_errors_to_click
def serve(db_path: Path, metadata: Path | None, host: str, port: int,
          sql_time_limit_ms: int) -> None:
    """Serve the database with Datasette, read-only.

    Brings the site's tables up to date if needed (report_summary, requests_wide, …),
    then serves the database immutable; the address is printed once it is serving.
    Restart it after `ogi load` to show the new data.

    \b
    Example:
        ogi serve --db db/ogi.db --port 8001
    """
    from etl.i18n import _
    from etl.publish import serve as run

    run(db_path, metadata, host, port, sql_time_limit_ms, on_ready=lambda url: click.echo(
        _("网站已启动：{url}（按 Ctrl-C 停止）").format(url=url)))


@cli.command()
@click.option("--agency", required=True, help="The agency's full name, as on its report.")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="Report year.")
@click.option("--template", "template_name", type=click.Choice(["2021", "2019"]), default=None,
              help="Template (default: 2021 for years from 2021 on, else 2019).")
@SHEETS
@_errors_to_click
def template(agency: str, year: int, template_name: str | None, sheets_dir: Path) -> None:
    """Write a blank review workbook for a report that cannot be extracted (a scan).

    Fill its values in Excel; it then loads like any other. Never overwrites a workbook.

    \b
    Example:
        ogi template --agency 吴忠市人民政府办公室 --year 2024 --sheets sheets/
    """
    from etl.sheets import write_template
    from etl.template import default_template

    path = write_template(agency, year, template_name, sheets_dir)
    click.echo(f"written  {path}: blank {template_name or default_template(year)}"
               f" template for {agency} {year}")
