"""The user's language: every text a person reads is written in Chinese in the source and
translated through gettext catalogs (``etl/locale/<lang>/LC_MESSAGES/ogi.mo``) when the
locale asks for another language (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as
gettext reads them). Without a catalog for the locale, the Chinese source text is shown.

    from etl.i18n import _
    raise PdfError(path, _("不是 PDF 文件（没有 %PDF 文件头）"))
    _("已写入 {count} 个工作簿").format(count=n)   # named placeholders, filled after translating
    REASONS = {"scan": N_("扫描件，没有文字层")}     # a text kept in a table: marked here,
    _(REASONS[kind])                               # translated where it is shown

The catalogs are made by ``scripts/messages.py`` (``make messages``): it collects every
``_("…")`` of etl/ (and the commands' help texts), adds new ones to each ``.po`` and compiles
the ``.mo`` files, which are committed (tests/test_i18n.py checks they match the ``.po``).
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

DOMAIN = "ogi"
SOURCE_LANGUAGE = "zh"
LOCALE_DIR = Path(__file__).with_name("locale")
_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def _requested() -> tuple[str, ...]:
    """The languages the locale asks for, in order, as gettext reads them, except that the C
    locale asks for none (Python's gettext reads ``C.UTF-8`` as American English)."""
    for variable in _LOCALE_VARIABLES:
        if value := os.environ.get(variable):
            languages = []
            for lang in value.split(":"):
                if lang.split(".")[0].split("@")[0] in ("C", "POSIX", ""):
                    break
                languages.append(lang)
            return tuple(languages)
    return ()


@cache
def _catalog(domain: str, languages: tuple[str, ...]) -> gettext.NullTranslations:
    return gettext.translation(domain, localedir=LOCALE_DIR,
                               languages=list(languages or (SOURCE_LANGUAGE,)), fallback=True)


def _translations() -> gettext.NullTranslations:
    return _catalog(DOMAIN, _requested())


def language() -> str:
    """The language texts are shown in: the first of the locale's languages that ogi has a
    catalog for, else Chinese (the source)."""
    return _translations().info().get("language") or SOURCE_LANGUAGE


def translation(domain: str) -> gettext.NullTranslations:
    """Another program's catalog (e.g. click's own texts, whose source is English) in the
    language ogi speaks: ``etl/locale/<language()>/LC_MESSAGES/<domain>.mo``."""
    return _catalog(domain, (language(),))


def _(message: str) -> str:
    """``message`` (Chinese) in the user's language."""
    return _translations().gettext(message)


def translated(text: str) -> str:
    """``_`` for a text collected by other means than a ``_("…")`` call (the commands' help
    texts: scripts/messages.py collects docstrings and ``help=`` of etl/cli.py)."""
    return _translations().gettext(text)


def N_(message: str) -> str:
    """Marks a text for the catalogs where it is written (in a table, say) and returns it
    untranslated: it is translated where it is shown, with ``_(text)``."""
    return message
