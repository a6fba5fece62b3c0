"""What the PDF documents (``pdf_case``, ``pdf_letter``) share: page, styles, text, build.

Text: the built-in Helvetica and Courier fonts with WinAnsi encoding, which covers French
(é è à ç œ « » € …). A character outside it (Chinese shop names, emoji, control characters)
prints as ``[U+XXXX]`` rather than as an empty box: a case file shows what was written.
Every piece of free text is escaped for reportlab's paragraph mark-up, so ``<script>`` or
``&`` print as they are; long words (hashes, links) wrap inside their column.

The same story gives the same bytes: reportlab's ``invariant`` mode fixes the creation date
and the document id.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

from garant.casefile.labels import PDF_LABELS

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 42.0  # points (about 1.5 cm)
FOOTER_SPACE = 40.0
WIDTH = PAGE_WIDTH - 2 * MARGIN  # the frame's width, what column fractions are of

INK = colors.HexColor("#1f2937")
MUTED = colors.HexColor("#6b7280")
RULE = colors.HexColor("#b8c0cc")
HEAD = colors.HexColor("#e8ecf2")

# ------------------------------------------------------------------------------ text


def _style(name: str, **kw: object) -> ParagraphStyle:
    base: dict[str, object] = {
        "fontName": "Helvetica",
        "fontSize": 9,
        "leading": 11.5,
        "textColor": INK,
    }
    base.update(kw)
    return ParagraphStyle(name, **base)


S_BODY = _style("body")
S_CELL = _style("cell", fontSize=8, leading=10)
S_CELL_B = _style("cell_b", fontName="Helvetica-Bold", fontSize=8, leading=10)
S_HASH = _style("hash", fontName="Courier", fontSize=7.5, leading=9.5)
S_SMALL = _style("small", fontSize=7.5, leading=9.5, textColor=MUTED)
S_TITLE = _style("title", fontName="Helvetica-Bold", fontSize=16, leading=20, spaceAfter=2)
S_SUB = _style("sub", fontSize=10.5, leading=14)
S_H2 = _style(
    "h2", fontName="Helvetica-Bold", fontSize=11.5, leading=14, spaceBefore=12, spaceAfter=5
)
S_MSG_HEAD = _style("msg_head", fontName="Helvetica-Bold", fontSize=8.5, leading=11)
S_MSG = _style("msg", leftIndent=10, spaceAfter=2)
S_LETTER = _style("letter", fontSize=10, leading=13.5, alignment=TA_JUSTIFY, spaceAfter=6)
S_LETTER_B = _style("letter_b", fontName="Helvetica-Bold", fontSize=10, leading=13.5)
S_LETTER_BLOCK = _style("letter_block", fontSize=10, leading=13)

_MONEY = re.compile(r"\d{1,3}(?: \d{3})*,\d{2} (?:€|[A-Z]{3})")
# French sets a space before : ; ? ! » and after «; it must not start a line.
_FRENCH_SPACE = re.compile(r"(?<=«) | (?=»)| (?=[:;?!](?:\s|$|<br/>))")


@lru_cache(maxsize=4096)
def _printable_char(ch: str) -> str:
    if ch == "\n":
        return ch
    if ch == "\t":
        return " "
    if ch.isprintable() or ch == "\xa0":
        try:
            ch.encode("cp1252")
        except UnicodeEncodeError:
            pass
        else:
            return ch
    return f"[U+{ord(ch):04X}]"


def printable(text: str) -> str:
    """``text`` with every character the built-in fonts cannot show as ``[U+XXXX]``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii() and text.isprintable():
        return text
    return "".join(_printable_char(ch) for ch in text)


def markup(text: str) -> str:
    """Free text as paragraph mark-up that prints literally; an amount stays on one line."""
    safe = escape(printable(text)).replace("\n", "<br/>")
    safe = _FRENCH_SPACE.sub("&nbsp;", safe)
    return _MONEY.sub(lambda m: m.group(0).replace(" ", "&nbsp;"), safe)


def para(text: str, style: ParagraphStyle = S_BODY) -> Paragraph:
    return Paragraph(markup(text), style)


def colon(lang: str) -> str:
    return " :" if lang == "fr" else ":"  # French sets a space before the colon


def bold_para(title: str, text: str, style: ParagraphStyle = S_BODY) -> Paragraph:
    return Paragraph(f"<b>{markup(title)}</b> {markup(text)}", style)


# ----------------------------------------------------------------------------- build


def _fit(text: str, font: str, size: float, width: float) -> str:
    """A footer line cut to its room (the full text is on the first page)."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


class _Pages:
    """Draws the footer of every page ("page X / Y") and counts the pages."""

    def __init__(self, *, lang: str, footer: str, stamp: str, total: int | None) -> None:
        self.lang, self.footer, self.stamp, self.total = lang, footer, stamp, total
        self.count = 0

    def __call__(self, canv: Canvas, _doc: object) -> None:
        self.count = canv.getPageNumber()
        page = PDF_LABELS[self.lang]["page"].format(n=self.count, total=self.total or "?")
        font, size = "Helvetica", 7
        canv.saveState()
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, FOOTER_SPACE - 8, PAGE_WIDTH - MARGIN, FOOTER_SPACE - 8)
        canv.setFillColor(MUTED)
        canv.setFont(font, size)
        room = WIDTH - stringWidth(page, font, size) - 12
        canv.drawString(MARGIN, FOOTER_SPACE - 18, _fit(self.footer, font, size, room))
        canv.drawRightString(PAGE_WIDTH - MARGIN, FOOTER_SPACE - 18, page)
        if self.stamp:
            canv.drawString(MARGIN, FOOTER_SPACE - 27, _fit(self.stamp, font, size, WIDTH))
        canv.restoreState()


def _render(story: list[Flowable], pages: _Pages, *, title: str, subject: str, lang: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=FOOTER_SPACE + 4,
        title=printable(title),
        author="Garant",
        subject=subject,
        creator="Garant",
        lang="fr-FR" if lang == "fr" else "en-GB",
        invariant=1,  # fixed creation date and document id: same case, same bytes
    )
    doc.build(story, onFirstPage=pages, onLaterPages=pages)
    return buffer.getvalue()


def build_pdf(
    story: Callable[[], list[Flowable]],
    *,
    title: str,
    subject: str,
    lang: str,
    footer: str,
    stamp: str,
) -> bytes:
    """Lay the story out twice: the first pass counts the pages for "page X / Y" (the
    footer's text does not change the layout, so the count holds)."""
    footer, stamp = printable(footer), printable(stamp)
    meta = {"title": title, "subject": subject, "lang": lang}
    counting = _Pages(lang=lang, footer=footer, stamp=stamp, total=None)
    _render(story(), counting, **meta)
    final = _Pages(lang=lang, footer=footer, stamp=stamp, total=counting.count)
    return _render(story(), final, **meta)
