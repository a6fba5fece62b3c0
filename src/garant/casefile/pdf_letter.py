"""The complaint letter (MSG-4) as a PDF document, ready to print, sign and send.

The wording is composed in ``letter.py``; here its blocks are laid out on the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from garant.casefile.labels import PDF_LABELS
from garant.casefile.letter import COMPLAINT_ANSWER_DAYS, ComplaintLetter, compose_complaint_letter
from garant.casefile.model import DEFAULT_TZ, CaseFile, lang_of
from garant.casefile.pdf_base import (
    S_LETTER,
    S_LETTER_B,
    S_LETTER_BLOCK,
    WIDTH,
    build_pdf,
    markup,
    para,
)


def _letter_story(letter: ComplaintLetter) -> list[Flowable]:
    left = 0.55 * WIDTH

    def block(lines: Sequence[str]) -> Paragraph:
        return Paragraph("<br/>".join(markup(line) for line in lines), S_LETTER_BLOCK)

    heading = Table(
        [[block(letter.sender_lines), ""], ["", block(letter.recipient_lines)]],
        colWidths=[left, WIDTH - left],
        hAlign="LEFT",
    )
    heading.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 18),
            ]
        )
    )
    right = ParagraphStyle("right", parent=S_LETTER_BLOCK, leftIndent=left)
    story: list[Flowable] = [
        heading,
        Spacer(1, 16),
        para(letter.place_date, right),
        Spacer(1, 16),
        para(letter.mode, S_LETTER_B),
        para(letter.subject, S_LETTER_B),
        Spacer(1, 12),
        para(letter.salutation, S_LETTER),
    ]
    story += [para(text, S_LETTER) for text in letter.paragraphs]
    story.append(para(letter.closing, S_LETTER))
    # Room above the typed name for the handwritten signature.
    story.append(KeepTogether([Spacer(1, 30), para(letter.signature, right), Spacer(1, 14)]))
    story.append(para(letter.enclosures, ParagraphStyle("enc", parent=S_LETTER, alignment=0)))
    return story


def render_complaint_letter(
    case: CaseFile,
    *,
    sender_lines: Sequence[str] | None = None,
    locale: str = "fr",
    place: str | None = None,
    claim_cents: int | None = None,
    answer_days: int = COMPLAINT_ANSWER_DAYS,
    tz: str = DEFAULT_TZ,
) -> bytes:
    """MSG-4: the complaint letter, ready to print, sign and send by "lettre recommandée
    avec accusé de réception" with the case file. See ``letter.compose_complaint_letter``
    for what each argument changes."""
    lang = lang_of(locale)
    letter = compose_complaint_letter(
        case,
        sender_lines,
        locale=lang,
        place=place,
        claim_cents=claim_cents,
        answer_days=answer_days,
        tz=tz,
    )
    names = {"dispute": case.dispute.id, "number": case.order.number}
    return build_pdf(
        lambda: _letter_story(letter),
        title=letter.subject,
        subject=PDF_LABELS[lang]["letter_subject"],
        lang=lang,
        footer=PDF_LABELS[lang]["letter_footer"].format(**names),
        stamp="",
    )
