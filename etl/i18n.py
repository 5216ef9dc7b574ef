"""The user's language: every text a person reads is written in Chinese in the source and
translated through gettext catalogs (``etl/locale/<lang>/LC_MESSAGES/ogi.mo``) when the
locale asks for another language (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as
gettext reads them). Without a catalog for the locale, the Chinese source text is shown.

    from etl.i18n import _
    raise PdfError(path, _("不是 PDF 文件（没有 %PDF 文件头）"))
    _("已写入 {count} 个工作簿").format(count=n)   # named placeholders, filled after translating
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

DOMAIN = "ogi"
LOCALE_DIR = Path(__file__).with_name("locale")


@cache
def _translations() -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, fallback=True)


def _(message: str) -> str:
    """``message`` (Chinese) in the user's language."""
    return _translations().gettext(message)
