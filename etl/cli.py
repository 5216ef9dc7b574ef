"""The ``ogi`` command. Only this module knows click: it parses arguments, calls a stage,
prints the outcome and turns ``EtlError`` into a message and an exit status.

Every text is Chinese in the source and shown in the user's language (``etl.i18n``): the
commands' docstrings (their help text) and the options' ``help`` are translated when help is
shown; click's own texts (用法、选项、its errors) come from ``etl/locale/zh/…/click.po``.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from etl.errors import EtlError
from etl.i18n import _, translated, translation
from etl.publish import DEFAULT_PORT, SQL_TIME_LIMIT_MS
from etl.template import TEMPLATES

if TYPE_CHECKING:
    from etl.store import Change

# --- the user's language for click's own texts -------------------------------------------
# click looks its texts up with gettext.gettext, in the process-wide default domain, read
# from the locale alone: it would stay English where the locale is C (most servers and CI).
# Its modules get our lookup instead, in the language ogi speaks (Chinese by default).


def _click_gettext(message: str) -> str:
    return translation("click").gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return translation("click").ngettext(singular, plural, n)


def _speak_the_users_language() -> None:
    import importlib

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types",
                 "termui", "utils", "shell_completion", "_termui_impl"):
        with contextlib.suppress(ImportError):
            module = importlib.import_module(f"click.{name}")
            if hasattr(module, "_"):
                module._ = _click_gettext  # type: ignore[attr-defined]
            if hasattr(module, "ngettext"):
                module.ngettext = _click_ngettext  # type: ignore[attr-defined]


_speak_the_users_language()


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wide(c: str) -> bool:
    return _width(c) == 2


# Chinese has no spaces to break lines at: click would join a paragraph's lines with spaces
# and never break inside a run of characters. Paragraphs with wide characters are wrapped
# here (by display width, not before a closing punctuation mark) and kept as wrapped.
_NO_LINE_START = set("，。、；：？！）》」』”’…")
_NO_LINE_END = set("（《「『“‘")


def _wrap_wide(text: str, width: int) -> str:
    out = []
    for paragraph in text.split("\n\n"):
        lines = [line.strip() for line in paragraph.splitlines()]
        if not lines or lines[0] == "\b" or not any(map(_wide, paragraph)):
            out.append(paragraph)
            continue
        joined = lines[0]
        for line in lines[1:]:
            wide_join = joined and line and _wide(joined[-1]) and _wide(line[0])
            joined += line if wide_join else f" {line}"
        out.append("\b\n" + "\n".join(_wrap_line(joined, width)))
    return "\n\n".join(out)


def _wrap_line(joined: str, width: int) -> list[str]:
    """One paragraph's lines of at most ``width`` columns (a word of Latin letters, a space
    or one wide character at a time)."""
    import re

    wrapped: list[str] = []
    line: list[str] = []
    for token in re.findall(r"[^\s\u2e80-\uffef]+|\s+|.", joined):
        if line and not token.isspace() and _width("".join(line) + token) > width:
            carried = _carried(line, token)
            if "".join(line).strip():
                wrapped.append("".join(line).rstrip())
                line = carried[1:] if carried[0].isspace() else carried
                continue
            line += carried[:-1]  # nowhere to break: the line stays long
        line.append(token)
    wrapped.append("".join(line).rstrip())
    return wrapped


def _carried(line: list[str], token: str) -> list[str]:
    """What moves to the next line with ``token`` (taken off the end of ``line``): a closing
    mark never starts a line, an opening one never ends one."""
    carried = [token]
    while line and carried[0][0] in _NO_LINE_START:
        carried.insert(0, line.pop())
    while line and line[-1] in _NO_LINE_END:
        carried.insert(0, line.pop())
    return carried


class _Formatter(click.HelpFormatter):
    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """click's definition list (options, commands), with wide help texts wrapped by
        display width."""
        rows = list(rows)
        first_col = min(max((_width(a) for a, _ in rows), default=0), col_max) + col_spacing
        text_width = max(self.width - first_col - 2, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            if any(map(_wide, second)):
                lines = _wrap_wide(second, text_width).splitlines()[1:]  # past the \b
            else:
                lines = click.formatting.wrap_text(second, text_width,
                                                   preserve_paragraphs=True).splitlines()
            self.write(f"{lines[0] if lines else ''}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class _Context(click.Context):
    formatter_class = _Formatter


class _Command(click.Command):
    """A command whose help text (its docstring, Chinese) is shown in the user's language."""

    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        # click makes --help once per command, its text in the language of that moment.
        option = super().get_help_option(ctx)
        if option is not None and not isinstance(option, _Option):
            option.__class__ = _Option
            option.help = _HELP_OPTION["help"]
        return option

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        width = formatter.width - formatter.current_indent - 2
        with _translated(self, lambda text: _wrap_wide(text, width)):
            super().format_help_text(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated(self):
            return super().get_short_help_str(limit)


class _Group(_Command, click.Group):
    command_class = _Command


class _Option(click.Option):
    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        with _translated(self):
            return super().get_help_record(ctx)


@contextlib.contextmanager
def _translated(thing: click.Command | click.Option,
                then: Callable[[str], str] = str) -> Any:
    import inspect

    source = thing.help
    if source:
        thing.help = then(translated(inspect.cleandoc(source)))
    try:
        yield
    finally:
        thing.help = source


_HELP_OPTION = dict(help="显示此帮助并退出。")  # noqa: C408 - help= is how texts are collected


def _option(*decls: str, **kwargs: Any) -> Callable[[Any], Any]:
    return click.option(*decls, cls=_Option, **kwargs)


# Metavars stay Latin: wide characters there would shift the help's columns.
SHEETS = _option("--sheets", "sheets_dir", default="sheets", show_default=True, metavar="DIR",
                 type=click.Path(file_okay=False, path_type=Path),
                 help="审核工作簿所在的文件夹。")
DB = _option("--db", "db_path", default="db/ogi.db", show_default=True, metavar="FILE",
             type=click.Path(dir_okay=False, path_type=Path), help="SQLite 数据库文件。")
PATHS = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
FORCE = _option("--force", is_flag=True,
                help="即使工作簿已有人修改、或由另一个同名 PDF 生成，也覆盖（旧文件备份到工作簿"
                     "文件夹的 .backup/ 里）。")
JOBS = _option("--jobs", "-j", default=0, show_default=True, type=click.IntRange(0),
               help="提取用的并行进程数（0：每个 CPU 核一个）。")
SCHEDULER = _option("--scheduler", default=None, metavar="ADDRESS",
                    help="在 Dask 集群上提取：调度器地址，如 tcp://10.0.0.5:8786（各 worker 要能"
                         "以相同路径读到 PDF、写到工作簿文件夹；此时不用 --jobs）。")
# A progress bar only on a terminal and for batches worth one; logs and CI get plain lines.
_BAR_FROM = 20
DEFAULT_DB = Path("db/ogi.db")


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


def _error(text: str) -> None:
    click.secho(_("错误  {message}").format(message=text), fg="red", err=True)


@click.group(cls=_Group)
@click.version_option(package_name="ogi-etl", cls=_Option, help="显示版本并退出。")
@_option("--verbose", "-v", is_flag=True, help="出错时显示 Python 的回溯信息。")
def cli(verbose: bool) -> None:
    """ogi：把政府信息公开工作年度报告从 PDF 变成审核工作簿、SQLite 数据库和 Datasette 网站。

    先提取（extract），人工在 Excel / WPS 里核对工作簿，再载入（load），然后浏览（serve）。
    运行 ogi 命令 --help 查看每个命令的选项和例子。

    \b
    例子：
        ogi build samples/        # 提取 + 载入
        ogi serve                 # 在 http://127.0.0.1:8001 浏览
    """


def _status(status: str) -> str:
    return {"written": _("已写入"), "unchanged": _("未改变"), "kept": _("已保留"),
            "failed": _("失败")}.get(status, status)


def _counts(counts: dict[str, int]) -> str:
    parts = {"written": _("已写入 {n} 个"), "unchanged": _("未改变 {n} 个"),
             "kept": _("保留 {n} 个（有人工修改）"), "failed": _("失败 {n} 个")}
    return _("，").join(parts[s].format(n=counts[s]) for s in parts if counts.get(s))


def _failed_checks(report: Any) -> int:
    from etl.checks import check_report

    return sum(not r.ok for r in check_report(report))


def _extract(paths: tuple[Path, ...], sheets_dir: Path, force: bool, jobs: int,
             scheduler: str | None = None) -> dict[str, int]:
    """Extract, print one line per file and the totals; the count of each outcome."""
    from etl.build import extract_to_sheets, find_pdfs

    counts: dict[str, int] = {}
    for path in paths:  # one bad path never stops the batch
        if not path.exists():
            _error(_("{path}：没有这个文件或文件夹").format(path=path))
            counts["failed"] = counts.get("failed", 0) + 1
    pdfs = find_pdfs(p for p in paths if p.exists())
    if not pdfs and not counts:
        raise click.ClickException(_("{paths}：没有找到 PDF 文件").format(
            paths="、".join(map(str, paths))))
    checks_failed = 0  # workbooks written with identities that do not hold
    with _bar(len(pdfs), _("提取")) as bar:
        for o in extract_to_sheets(pdfs, sheets_dir, force, jobs, scheduler):
            counts[o.status] = counts.get(o.status, 0) + 1
            failing = _failed_checks(o.report) if o.report is not None else 0
            checks_failed += bool(failing)
            if o.failed:
                _error(o.message)
            elif bar is None or o.status == "kept":
                click.echo(f"{_status(o.status)}  {o.pdf} -> {o.workbook}：{o.message}")
                if failing:
                    click.echo("        " + _("核对不符 {n} 项：打开这个工作簿，看 checks 工作表和"
                                             "表格旁标红的“核对”格").format(n=failing))
            if bar is not None:
                bar.update(1)
    click.echo(_counts(counts))
    if checks_failed:
        click.echo(_("{n} 个工作簿有核对不符的数：在工作簿的 checks 工作表（和表格旁标红的"
                     "“核对”格）里看是哪几项，对照 PDF 改正").format(n=checks_failed))
    return counts


def _shown(value: object) -> str:
    return _("空白") if value is None else str(value)


def _change_line(c: Change) -> str:
    if c.kind == "revert":
        return _("{at}（{label}）：{previous} → {corrected}（改回提取值）").format(
            at=c.address, label=c.label, previous=_shown(c.previous),
            corrected=_shown(c.corrected))
    return _("{at}（{label}）：{previous} → {corrected}").format(
        at=c.address, label=c.label, previous=_shown(c.previous), corrected=_shown(c.corrected))


def _load(sheets_dir: Path, db_path: Path, prune: bool, full: bool = False) -> int:
    from etl.load import load, workbook_names

    if not sheets_dir.is_dir():
        raise click.ClickException(_("{folder}：没有这个文件夹（审核工作簿所在的文件夹，用 "
                                     "--sheets 指定）").format(folder=sheets_dir))
    count = len(workbook_names(sheets_dir))
    if not count:  # an empty database would look like a loaded one
        raise click.ClickException(_(
            "{folder}：文件夹里没有工作簿（*.xlsx），什么也没有载入，也没有创建数据库。"
            "先用 ogi extract 从 PDF 生成工作簿，或用 ogi template 生成空白工作簿"
        ).format(folder=sheets_dir))
    with _bar(count, _("载入")) as bar:
        result = load(sheets_dir, db_path, prune=prune, full=full,
                      progress=(lambda: bar.update(1)) if bar is not None else None)
    for report_id in result.loaded:
        click.echo(_("已载入  {report}").format(report=report_id))
    for workbook, changes in result.changes.items():
        click.echo(_("{workbook}：记录了 {n} 处改动").format(workbook=workbook, n=len(changes)))
        for c in changes:
            click.echo("        " + _change_line(c))
    for warning in result.warnings:
        click.secho(_("注意  {message}").format(message=warning), fg="yellow", err=True)
    for report_id in result.pruned:
        click.echo(_("已删除  {report}（它的工作簿已不在）").format(report=report_id))
    for problem in result.problems:
        _error(str(problem))
    summary = _("载入 {loaded} 个，未改变 {unchanged} 个，拒绝 {refused} 个").format(
        loaded=len(result.loaded), unchanged=len(result.unchanged),
        refused=len(result.refused))
    if result.pruned:
        summary += _("，删除 {n} 个").format(n=len(result.pruned))
    click.echo(f"{summary} -> {db_path}")
    if result.refused:
        click.echo(_("被拒绝的工作簿整个没有载入（数据库里保留它们原有的数据）：按上面列出的"
                     " 工作表!单元格 改正后，再运行 ogi load"))
        return 1
    db = "" if db_path == DEFAULT_DB else f" --db {db_path}"
    click.echo(_("下一步：ogi serve{db} 浏览数据（载入后要重启 ogi serve）").format(db=db))
    return 0


@cli.command()
@PATHS
@SHEETS
@FORCE
@JOBS
@SCHEDULER
@_errors_to_click
def extract(paths: tuple[Path, ...], sheets_dir: Path, force: bool, jobs: int,
            scheduler: str | None) -> None:
    """从年报 PDF（文件或文件夹）提取表格，每份报告一个审核工作簿。

    有人修改过的工作簿不会被覆盖。有 PDF 提取失败时退出码非 0，其余照常提取。
    提取之后：在 Excel / WPS 里对照 PDF 核对工作簿，再用 ogi load 载入数据库。

    \b
    例子：
        ogi extract reports/2024/ --sheets sheets/
        ogi extract reports/ --scheduler tcp://10.0.0.5:8786
    """
    counts = _extract(paths, sheets_dir, force, jobs, scheduler)
    if any(status != "failed" for status in counts):
        click.echo(_("工作簿在 {folder}/ 里：在 Excel / WPS 里对照 PDF 核对、改正，把 meta 表的"
                     "「状态」选为「已审核」并填上「审核人」；然后运行 ogi load --sheets {folder} "
                     "载入数据库").format(folder=str(sheets_dir).rstrip("/")))
    raise SystemExit(1 if counts.get("failed") else 0)


@cli.command()
@SHEETS
@DB
@_option("--prune", is_flag=True, help="删除工作簿已不在的报告。")
@_option("--full", is_flag=True, help="重新读取每个工作簿，包括没有改动的。")
@_errors_to_click
def load(sheets_dir: Path, db_path: Path, prune: bool, full: bool) -> None:
    """把审核工作簿载入 SQLite 数据库（重复运行结果不变）。

    有问题的工作簿整个拒绝，列出每个问题所在的 工作表!单元格；数据库保留它原有的数据。

    \b
    例子：
        ogi load --sheets sheets/ --db db/ogi.db
    """
    raise SystemExit(_load(sheets_dir, db_path, prune, full))


@cli.command()
@PATHS
@SHEETS
@DB
@FORCE
@JOBS
@SCHEDULER
@_errors_to_click
def build(paths: tuple[Path, ...], sheets_dir: Path, db_path: Path, force: bool,
          jobs: int, scheduler: str | None) -> None:
    """从 PDF 提取工作簿，然后把全部工作簿载入数据库（extract + load）。

    \b
    例子：
        ogi build samples/ --db db/ogi.db
    """
    counts = _extract(paths, sheets_dir, force, jobs, scheduler)
    if set(counts) == {"failed"}:  # nothing to load: the errors above say why
        raise SystemExit(1)
    raise SystemExit(_load(sheets_dir, db_path, prune=False) or int("failed" in counts))


@cli.command()
@DB
@_option("--metadata", default=None, metavar="FILE",
         type=click.Path(dir_okay=False, path_type=Path),
         help="Datasette 的元数据文件（默认：随 ogi 安装的 metadata.yml）。")
@_option("--host", default="127.0.0.1", show_default=True,
         help="监听的网络接口（0.0.0.0：所有接口）。")
@_option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="端口。")
@_option("--sql-time-limit-ms", default=SQL_TIME_LIMIT_MS, show_default=True, type=int,
         help="Datasette 的 sql_time_limit_ms：超时的查询会被中止。")
@_errors_to_click
def serve(db_path: Path, metadata: Path | None, host: str, port: int,
          sql_time_limit_ms: int) -> None:
    """用 Datasette 只读发布数据库。

    需要时先更新网站用的表（report_summary、requests_wide 等），再以不可变方式打开数据库；
    开始服务后显示网址。ogi load 之后要重启它才能看到新数据。

    \b
    例子：
        ogi serve --db db/ogi.db --port 8001
    """
    from etl.publish import serve as run

    run(db_path, metadata, host, port, sql_time_limit_ms, on_ready=lambda url: click.echo(
        _("网站已启动：{url}（按 Ctrl-C 停止）").format(url=url)))


@cli.command()
@_option("--agency", required=True, help="机关全称，与年报上的一致。")
@_option("--year", required=True, type=click.IntRange(2000, 2100), help="报告年度。")
@_option("--template", "template_name", type=click.Choice(TEMPLATES), default=None,
         help="模板版本（默认：2021 年及以后用 2021 版，以前用 2019 版）。")
@SHEETS
@_errors_to_click
def template(agency: str, year: int, template_name: str | None, sheets_dir: Path) -> None:
    """为无法提取的报告（扫描件）生成一个空白审核工作簿，手工填写。

    在 Excel / WPS 里填入数字后，和其他工作簿一样载入。工作簿以机关和年度命名
    （如 吴忠市人民政府办公室_2024_手工.xlsx）；已有的工作簿绝不覆盖。

    \b
    例子：
        ogi template --agency 吴忠市人民政府办公室 --year 2024 --sheets sheets/
    """
    from etl.manual import write_template
    from etl.template import default_template

    path = write_template(agency, year, template_name, sheets_dir)
    click.echo(_("已写入  {path}：{agency} {year} 年的空白工作簿（{template} 版模板）").format(
        path=path, agency=agency, year=year,
        template=template_name or default_template(year)))
    click.echo(_("下一步：在 Excel / WPS 里对照报告填入数字，然后运行 ogi load --sheets {folder}"
                 ).format(folder=sheets_dir))
