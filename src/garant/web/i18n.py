"""French by default, English by choice: gettext catalogues, compiled in memory at start.

Source strings (msgids) are English; ``translations/fr/LC_MESSAGES/*.po`` give the French.
Every ``*.po`` of a language's folder is read and merged, in name order: ``messages.po`` holds
the shared strings, and each area may keep its own file (``buyer.po``, ``seller.po``…) so
that people working on different pages never edit the same file. No ``.mo`` is committed and
there is no build step: the ``.po`` files are compiled when the process starts.

``python -m garant.web.i18n`` lists the strings of templates and code that have no French
translation yet, ready to paste into a ``.po`` file.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

log = logging.getLogger(__name__)

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
LOCALE_NAMES = {"fr": "Français", "en": "English"}  # each in its own language
WEB_DIR = Path(__file__).resolve().parent
TRANSLATIONS_DIR = WEB_DIR / "translations"


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; it is translated where shown."""
    return message


def normalize(lang: str | None) -> str | None:
    """'en', 'EN', 'en-GB', 'en_US' → 'en'; anything unknown → None."""
    if not lang:
        return None
    code = lang.strip().replace("_", "-").split("-")[0].lower()
    return code if code in LOCALES else None


def choose_locale(*candidates: str | None) -> str:
    """The first known language among the candidates, most explicit first (the ``?lang=`` of
    the request, the choice kept in the session, the user's own locale); else French."""
    for candidate in candidates:
        code = normalize(candidate)
        if code:
            return code
    return DEFAULT_LOCALE


def catalogue_files(locale: str) -> list[Path]:
    return sorted((TRANSLATIONS_DIR / locale / "LC_MESSAGES").glob("*.po"))


def _read_catalogue(locale: str) -> Catalog:
    merged = Catalog(locale=locale, domain="messages")
    seen: dict[Any, tuple[Any, str]] = {}
    for path in catalogue_files(locale):
        with path.open("rb") as f:
            catalog = read_po(f, locale=locale)
        for message in catalog:
            if not message.id or message.fuzzy or not _translated(message.string):
                continue
            key = (message.id, message.context)
            if key in seen and seen[key][0] != message.string:
                log.warning(
                    "%s: %r is translated differently in %s; the later file wins",
                    path.name, message.id, seen[key][1],
                )  # fmt: skip
                del merged[message.id]
            seen[key] = (message.string, path.name)
            merged.add(message.id, message.string, context=message.context)
    return merged


def _translated(string: Any) -> bool:
    if isinstance(string, (tuple, list)):
        return all(string)
    return bool(string)


@cache
def _catalogue(locale: str) -> Catalog:
    return _read_catalogue(locale)


@cache
def translations(locale: str) -> Translations:
    """The compiled catalogue of a language (read once per process)."""
    buf = BytesIO()
    write_mo(buf, _catalogue(locale))
    buf.seek(0)
    return Translations(buf, domain="messages")


@dataclass(frozen=True)
class Translator:
    """``_("Order %(ref)s", ref=…)`` in Python code, in one language. Get one for a request
    with ``garant.web.rendering.translator(request)``."""

    locale: str

    def __call__(self, message: str, **params: Any) -> str:
        text = translations(self.locale).gettext(message)
        return text % params if params else text

    gettext = __call__

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        text = translations(self.locale).ngettext(singular, plural, n)
        return text % {"num": n, **params}


# ------------------------------------------------------------------ checking the catalogues

_METHODS = [
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]


def extracted(root: Path = WEB_DIR) -> dict[str, list[str]]:
    """Every string marked for translation under ``garant/web`` (``_()``, ``gettext``,
    ``ngettext``, ``N_()`` and ``{% trans %}``), with where it is used. A plural is listed
    by its singular, as catalogues key it."""
    found: dict[str, list[str]] = {}
    options = {"**/templates/**.html": {"trimmed": "true"}}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), _METHODS, options_map=options
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def untranslated(locale: str = "fr") -> dict[str, list[str]]:
    """The marked strings that the language's catalogues do not translate yet."""
    catalogue = _catalogue(locale)
    return {msgid: where for msgid, where in extracted().items() if msgid not in catalogue}


def _po_entry(msgid: str, where: list[str]) -> str:
    escaped = msgid.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    refs = " ".join(where[:3])
    return f'#: {refs}\nmsgid "{escaped}"\nmsgstr ""\n'


def main(argv: list[str] | None = None) -> int:
    locale = (argv or sys.argv[1:] or ["fr"])[0]
    missing = untranslated(locale)
    for msgid, where in sorted(missing.items()):
        print(_po_entry(msgid, where))
    print(f"# {len(missing)} string(s) without a {locale} translation", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
