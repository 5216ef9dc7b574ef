"""The user's language: Chinese by default, English where the locale asks for it; every text
of etl/ has its English translation, and the committed catalogs are what their .po say."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl import i18n
from etl.cli import cli
from tests.conftest import REPO

COMMANDS = ["extract", "load", "build", "serve", "template"]
_spec = importlib.util.spec_from_file_location("messages", REPO / "scripts" / "messages.py")
assert _spec is not None and _spec.loader is not None
messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(messages)


def _locale(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def test_every_text_of_etl_has_an_english_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails when a _("…") (or a command's help) in etl/ has no English: run
    `make messages`, translate it in etl/locale/en/LC_MESSAGES/ogi.po, run it again."""
    texts = messages.ogi_messages()  # raises on a _() of something not a literal string
    assert len(texts) > 40
    _locale(monkeypatch, LANGUAGE="en")
    untranslated = [t for t in texts if i18n.translated(t) == t]
    assert untranslated == [], "no English for these (make messages, then translate them " \
                               "in etl/locale/en/LC_MESSAGES/ogi.po)"


def test_catalogs_are_complete_and_compiled() -> None:
    """The .po files hold every current text, translated with the same {placeholders}, and
    each committed .mo is its .po compiled."""
    assert messages.main(["--check"]) == 0


def test_a_text_that_cannot_be_looked_up_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text('name = "x"\nprint(_(f"{name}：不是 PDF 文件"))\n', encoding="utf-8")
    with pytest.raises(messages.Unextractable, match="bad.py:2"):
        list(messages.messages_in(source))
    source.write_text('R = {"s": N_("扫描件")}\nprint(_(R["s"]), _("好"))\n', encoding="utf-8")
    assert [m for m, _ in messages.messages_in(source)] == ["扫描件", "好"]


def test_chinese_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ({}, {"LANG": "C.UTF-8"}, {"LANG": "zh_CN.UTF-8"}, {"LC_ALL": "POSIX"}):
        _locale(monkeypatch, **env)
        assert i18n.language() == "zh", env
        help_ = CliRunner().invoke(cli, ["template", "--help"], prog_name="ogi").output
        for chinese in ("用法: ogi template", "为无法提取的报告", "机关全称", "选项", "[必填]"):
            assert chinese in help_, (env, chinese)
        for english in ("Usage", "Options", "Show this message", "default:", "required"):
            assert english not in help_, (env, english)


def test_english_where_the_locale_asks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for env in ({"LANG": "en_US.UTF-8"}, {"LANGUAGE": "en_GB:en", "LANG": "zh_CN.UTF-8"}):
        _locale(monkeypatch, **env)
        help_ = CliRunner().invoke(cli, ["template", "--help"], prog_name="ogi").output
        assert "Usage: ogi template" in help_ and "Write a blank review workbook" in help_
        assert "The agency's full name" in help_ and "[required]" in help_
        chinese = [line for line in help_.splitlines() if "吴忠市" not in line  # the example
                   and any(unicodedata.east_asian_width(c) == "W" for c in line)]
        assert chinese == []
        result = CliRunner().invoke(cli, ["load", "--sheets", str(tmp_path)])
        assert result.exit_code == 1
        assert f"Error: {tmp_path}: no workbooks (*.xlsx) in this folder" in result.output


def test_errors_and_click_texts_in_chinese(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["load", "--sheets", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert f"错误：{tmp_path / 'none'}：没有这个文件夹" in result.output
    result = runner.invoke(cli, ["template", "--agency", "某县人民政府", "--year", "1999"],
                           prog_name="ogi")
    assert result.exit_code == 2
    assert "错误：'--year' 的值无效：1999 不在范围" in result.output
    assert "运行 'ogi template --help' 查看帮助。" in result.output
    result = runner.invoke(cli, ["extract"])
    assert "错误：缺少参数 'PATHS...'" in result.output


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_help_fits_80_columns(command: list[str]) -> None:
    """Chinese has no spaces to wrap at: the help is wrapped by display width."""
    output = CliRunner().invoke(cli, [*command, "--help"], terminal_width=80).output
    wide = [line for line in output.splitlines()
            if sum(1 + (unicodedata.east_asian_width(c) in "WF") for c in line) > 80]
    assert wide == []
    assert "例子：" in output  # each command's help has an example


def test_the_installed_command_speaks_english_when_asked() -> None:
    result = subprocess.run([sys.executable, "-m", "etl", "extract", "--help"],
                            capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "LANG": "en_US.UTF-8"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    assert "Extract report PDFs (files or folders) into review workbooks" in result.stdout
