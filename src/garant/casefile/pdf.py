"""The case file (DSP-9) and the complaint letter (MSG-4) as PDF documents.

Pure rendering: a ``CaseFile`` in, bytes out; nothing read from the database, the clock or
the settings. The same case gives the same bytes (reportlab's ``invariant`` mode fixes the
creation date and the document id), so a case file can be hashed and compared.

Text: the built-in Helvetica and Courier fonts with WinAnsi encoding, which covers French
(é è à ç œ « » € …). A character outside it (Chinese shop names, emoji, control characters)
prints as ``[U+XXXX]`` rather than as an empty box: a case file shows what was written.
Every piece of free text is escaped for reportlab's paragraph mark-up, so ``<script>`` or
``&`` print as they are; long words (hashes, links) wrap inside their column.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from garant.casefile.model import (
    DEFAULT_TZ,
    CaseFile,
    Evidence,
    format_datetime,
    format_money,
    label,
    lang_of,
    resolution_text,
)
from garant.casefile.remedies import (
    COMPLAINT_ANSWER_DAYS,
    ComplaintLetter,
    complaint_letter_text,
    compose_complaint_letter,
)

__all__ = ["complaint_letter_text", "render_case_file", "render_complaint_letter"]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 42.0  # points (about 1.5 cm)
FOOTER_SPACE = 40.0
WIDTH = PAGE_WIDTH - 2 * MARGIN  # the frame's width, what column fractions are of

_INK = colors.HexColor("#1f2937")
_MUTED = colors.HexColor("#6b7280")
_RULE = colors.HexColor("#b8c0cc")
_HEAD = colors.HexColor("#e8ecf2")

# ------------------------------------------------------------------------------ text


def _style(name: str, **kw: object) -> ParagraphStyle:
    base: dict[str, object] = {
        "fontName": "Helvetica",
        "fontSize": 9,
        "leading": 11.5,
        "textColor": _INK,
    }
    base.update(kw)
    return ParagraphStyle(name, **base)


S_BODY = _style("body")
S_CELL = _style("cell", fontSize=8, leading=10)
S_CELL_B = _style("cell_b", fontName="Helvetica-Bold", fontSize=8, leading=10)
S_HASH = _style("hash", fontName="Courier", fontSize=7.5, leading=9.5)
S_SMALL = _style("small", fontSize=7.5, leading=9.5, textColor=_MUTED)
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


def _markup(text: str) -> str:
    """Free text as paragraph mark-up that prints literally; an amount stays on one line."""
    safe = escape(printable(text)).replace("\n", "<br/>")
    safe = _FRENCH_SPACE.sub("&nbsp;", safe)
    return _MONEY.sub(lambda m: m.group(0).replace(" ", "&nbsp;"), safe)


def _p(text: str, style: ParagraphStyle = S_BODY) -> Paragraph:
    return Paragraph(_markup(text), style)


def _colon(lang: str) -> str:
    return " :" if lang == "fr" else ":"  # French sets a space before the colon


def _bold_p(title: str, text: str, style: ParagraphStyle = S_BODY) -> Paragraph:
    return Paragraph(f"<b>{_markup(title)}</b> {_markup(text)}", style)


# ---------------------------------------------------------------------------- labels

_T: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Dossier de litige n° {dispute}",
        "subtitle": "Commande n° {number} — {platform}",
        "generated": "Généré le {at} — heures indiquées dans le fuseau {zone}",
        "footer": "Garant — dossier de litige n° {dispute} — commande n° {number}",
        "letter_footer": "Réclamation — commande n° {number} — litige n° {dispute}",
        "page": "page {n} / {total}",
        "summary": "Résumé",
        "order": "1. Commande",
        "timeline": "2. Historique",
        "tracking": "3. Suivi du colis",
        "messages": "4. Messages",
        "offers": "5. Propositions",
        "evidence": "6. Preuves",
        "requests": "7. Demandes de preuves",
        "decision": "8. Décision",
        "refunds": "9. Remboursements",
        "none": "Aucun élément.",
        "platform": "Plateforme",
        "buyer": "Acheteur",
        "seller": "Vendeur",
        "order_no": "Commande",
        "order_no_v": "n° {number} (référence Garant {id}), passée le {at}",
        "amount": "Montant",
        "paid_on": "payé le {at}",
        "not_paid": "non payé",
        "order_status": "Statut de la commande",
        "dispute": "Litige",
        "dispute_v": "n° {id} — {reason}, ouvert le {at}",
        "description": "Description de l'acheteur",
        "requested": "Demande de l'acheteur",
        "dispute_state": "État du litige",
        "closed_on": "date de clôture : {at}",
        "outcome": "Issue",
        "refunded": "Remboursé",
        "refunded_v": "{granted} accordé(s), dont {settled} reçu(s)",
        "item": "Article",
        "quantity": "Quantité",
        "unit_price": "Prix unitaire",
        "line_total": "Total",
        "created": "Passée le",
        "paid": "Payée le",
        "total": "Montant total",
        "shipping": "Mode de livraison",
        "carrier": "Transporteur",
        "tracking_no": "Numéro de suivi",
        "state": "État (code)",
        "status": "Statut",
        "address": "Adresse de l'acheteur",
        "date": "Date",
        "actor": "Acteur",
        "action": "Action",
        "reason_details": "Motif et détails",
        "location": "Lieu",
        "event": "Événement",
        "attachments": "Pièces jointes",
        "evidence_no": "preuve n° {id}",
        "no": "N°",
        "by": "Par",
        "proposal": "Proposition",
        "message": "Message",
        "reply_by": "Réponse avant le",
        "file": "Fichier",
        "kind": "Type",
        "format": "Format",
        "size": "Taille",
        "uploaded_by": "Déposé par",
        "uploaded_at": "Le",
        "sha_original": "SHA-256 de l'original",
        "sha_shown": "SHA-256 de la copie montrée",
        "hash_note": (
            "L'empreinte SHA-256 identifie le contenu exact d'un fichier : une copie dont "
            "l'empreinte (sha256sum) est la même est identique. La copie montrée est la "
            "version que l'autre partie a vue (métadonnées des images retirées)."
        ),
        "party": "Partie",
        "request": "Demande",
        "asked_at": "Demandée le",
        "due_at": "Pour le",
        "answered_at": "Répondue le",
        "favour": "En faveur de",
        "decision_v": "Décision",
        "note": "Motif",
        "decided_at": "Rendue le",
        "appealed": "Appel",
        "final": "Définitive",
        "yes": "oui",
        "no_": "non",
        "no_decision": "Aucune décision de la plateforme.",
        "closed": "Clos le",
        "how": "Par",
        "expected_from": "Attendu à partir du",
        "expected_to": "Attendu au plus tard le",
        "settled_at": "Reçu le",
        "refunds_total": "Total accordé : {granted} — reçu : {settled}",
        "bytes": "{n} octets",
        "subject": "Dossier complet d'un litige : commande, suivi, messages, preuves",
        "letter_subject": "Lettre de réclamation (recommandé avec accusé de réception)",
    },
    "en": {
        "title": "Dispute case file no. {dispute}",
        "subtitle": "Order no. {number} — {platform}",
        "generated": "Generated on {at} — times shown in the {zone} time zone",
        "footer": "Garant — dispute case file no. {dispute} — order no. {number}",
        "letter_footer": "Complaint — order no. {number} — dispute no. {dispute}",
        "page": "page {n} / {total}",
        "summary": "Summary",
        "order": "1. Order",
        "timeline": "2. History",
        "tracking": "3. Parcel tracking",
        "messages": "4. Messages",
        "offers": "5. Proposals",
        "evidence": "6. Evidence",
        "requests": "7. Evidence requests",
        "decision": "8. Decision",
        "refunds": "9. Refunds",
        "none": "Nothing recorded.",
        "platform": "Platform",
        "buyer": "Buyer",
        "seller": "Seller",
        "order_no": "Order",
        "order_no_v": "no. {number} (Garant reference {id}), placed on {at}",
        "amount": "Amount",
        "paid_on": "paid on {at}",
        "not_paid": "not paid",
        "order_status": "Order status",
        "dispute": "Dispute",
        "dispute_v": "no. {id} — {reason}, opened on {at}",
        "description": "Buyer's description",
        "requested": "Buyer's request",
        "dispute_state": "Dispute state",
        "closed_on": "closing date: {at}",
        "outcome": "Outcome",
        "refunded": "Refunded",
        "refunded_v": "{granted} granted, of which {settled} received",
        "item": "Item",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "line_total": "Total",
        "created": "Placed on",
        "paid": "Paid on",
        "total": "Total amount",
        "shipping": "Shipping method",
        "carrier": "Carrier",
        "tracking_no": "Tracking number",
        "state": "State (code)",
        "status": "Status",
        "address": "Buyer's address",
        "date": "Date",
        "actor": "Actor",
        "action": "Action",
        "reason_details": "Reason and details",
        "location": "Place",
        "event": "Event",
        "attachments": "Attachments",
        "evidence_no": "evidence no. {id}",
        "no": "No.",
        "by": "By",
        "proposal": "Proposal",
        "message": "Message",
        "reply_by": "Answer by",
        "file": "File",
        "kind": "Kind",
        "format": "Format",
        "size": "Size",
        "uploaded_by": "Given by",
        "uploaded_at": "On",
        "sha_original": "SHA-256 of the original",
        "sha_shown": "SHA-256 of the copy shown",
        "hash_note": (
            "The SHA-256 fingerprint identifies a file's exact content: a copy with the same "
            "fingerprint (sha256sum) is identical. The copy shown is the version the other "
            "party saw (image metadata removed)."
        ),
        "party": "Party",
        "request": "Request",
        "asked_at": "Asked on",
        "due_at": "Due",
        "answered_at": "Answered on",
        "favour": "In favour of",
        "decision_v": "Decision",
        "note": "Reason",
        "decided_at": "Decided on",
        "appealed": "Appealed",
        "final": "Final",
        "yes": "yes",
        "no_": "no",
        "no_decision": "No decision by the platform.",
        "closed": "Closed on",
        "how": "How",
        "expected_from": "Expected from",
        "expected_to": "Expected by",
        "settled_at": "Received on",
        "refunds_total": "Total granted: {granted} — received: {settled}",
        "bytes": "{n} bytes",
        "subject": "Complete case file of a dispute: order, tracking, messages, evidence",
        "letter_subject": "Complaint letter (registered with acknowledgment of receipt)",
    },
}


def _size(n: int, lang: str) -> str:
    units = ("o", "Ko", "Mo", "Go") if lang == "fr" else ("B", "KB", "MB", "GB")
    value, unit = float(n), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    short = f"{n} {units[0]}" if unit == 0 else f"{value:.1f} {units[unit]}"
    exact = f"{n:,}".replace(",", " " if lang == "fr" else ",")
    if lang == "fr":
        short = short.replace(".", ",")
    return short if unit == 0 else f"{short}\n({_T[lang]['bytes'].format(n=exact)})"


# ---------------------------------------------------------------------------- blocks


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    """A grid with a header row repeated on each page; a tall row splits across pages."""
    data = [[Paragraph(_markup(h), S_CELL_B) for h in header]]
    data += [[_p(cell, S_CELL) for cell in row] for row in rows]
    table = Table(
        data,
        colWidths=[w * WIDTH for w in widths],
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
    )
    table.setStyle(_grid_style(header=True))
    return table


def _fields(pairs: Sequence[tuple[str, str]], label_width: float = 0.28) -> Table:
    """Label → value rows."""
    data = [[Paragraph(_markup(k), S_CELL_B), _p(v, S_CELL)] for k, v in pairs]
    table = Table(
        data,
        colWidths=[label_width * WIDTH, (1 - label_width) * WIDTH],
        splitInRow=1,
        hAlign="LEFT",
    )
    table.setStyle(_grid_style(header=False))
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), _HEAD)]))
    return table


def _grid_style(*, header: bool) -> TableStyle:
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, _RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), _HEAD))
    return TableStyle(commands)


def _evidence_table(evidence: Sequence[Evidence], t: dict[str, str], lang: str, tz: str) -> Table:
    """One block of three rows per file: what it is, then each hash in full on its own row
    (64 hex digits fit one line of the spanned cell; a longer value wraps)."""
    header = [t["no"], t["file"], t["kind"], t["format"], t["size"], t["uploaded_by"]]
    header.append(t["uploaded_at"])
    widths = (0.05, 0.26, 0.11, 0.12, 0.16, 0.13, 0.17)
    data: list[list[object]] = [[Paragraph(_markup(h), S_CELL_B) for h in header]]
    style = _grid_style(header=True)
    for ev in evidence:
        first = len(data)
        data.append(
            [
                _p(str(ev.id), S_CELL),
                _p(ev.filename, S_CELL),
                _p(label("evidence_kind", ev.kind, lang), S_CELL),
                _p(ev.content_type, S_CELL),
                _p(_size(ev.size_bytes, lang), S_CELL),
                _p(label("role", ev.uploader_role, lang), S_CELL),
                _p(format_datetime(ev.at, lang, tz), S_CELL),
            ]
        )
        for key, digest in (("sha_original", ev.sha256), ("sha_shown", ev.shown_sha256)):
            row = len(data)
            data.append([_p(t[key], S_CELL_B), "", _p(digest, S_HASH), "", "", "", ""])
            style.add("SPAN", (0, row), (1, row))
            style.add("SPAN", (2, row), (-1, row))
        style.add("LINEABOVE", (0, first), (-1, first), 1.2, _INK)
    table = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(style)
    return table


def _messages(case: CaseFile, t: dict[str, str], lang: str, tz: str) -> list[Flowable]:
    names = {ev.id: ev.filename for ev in case.evidence}
    out: list[Flowable] = []
    for msg in case.messages:
        head = " — ".join(
            [
                format_datetime(msg.at, lang, tz),
                label("role", msg.author_role, lang),
                msg.author_name,
            ]
        )
        # A short message stays with its heading; a long one splits across pages anyway.
        out.append(KeepTogether([_p(head, S_MSG_HEAD), _p(msg.body, S_MSG)]))
        if msg.attachment_ids:
            files = []
            for ev_id in msg.attachment_ids:
                name = t["evidence_no"].format(id=ev_id)
                files.append(f"{name} ({names[ev_id]})" if ev_id in names else name)
            out.append(_bold_p(t["attachments"] + _colon(lang), ", ".join(files), S_MSG))
        out.append(Spacer(1, 6))
    return out


# ------------------------------------------------------------------------- case file


def _case_story(case: CaseFile, lang: str, tz: str) -> list[Flowable]:
    t = _T[lang]
    order, dispute = case.order, case.dispute
    cur = order.currency

    def dt(value: datetime | None) -> str:
        return "—" if value is None else format_datetime(value, lang, tz)

    def money(cents: int | None) -> str:
        return "—" if cents is None else format_money(cents, cur, lang)

    def res(kind: str, amount: int | None) -> str:
        return resolution_text(kind, amount, cur, lang)

    story: list[Flowable] = [
        _p(t["title"].format(dispute=dispute.id), S_TITLE),
        _p(t["subtitle"].format(number=order.number, platform=case.platform.name), S_SUB),
        _p(t["generated"].format(at=dt(case.generated_at), zone=tz), S_SMALL),
        Spacer(1, 8),
    ]

    # Summary: who, what, and where the dispute stands.
    reason = dispute.reason_label_fr if lang == "fr" else dispute.reason_label_en
    if dispute.detail:
        reason += f" ({dispute.detail})"
    state = dispute.state_label_fr if lang == "fr" else dispute.state_label_en
    if dispute.closed_at is not None:
        state += " — " + t["closed_on"].format(at=dt(dispute.closed_at))
    amount = (
        money(order.total_cents)
        + ", "
        + (t["paid_on"].format(at=dt(order.paid_at)) if order.paid_at else t["not_paid"])
    )
    outcome = "—"
    if dispute.outcome is not None:
        o = dispute.outcome
        favour = t["favour"] + _colon(lang) + " " + label("favour", o.in_favour_of, lang)
        outcome = " — ".join([res(o.kind, o.amount_cents), label("how", o.how, lang), favour])
    summary = [
        (t["platform"], ", ".join([case.platform.name, *case.platform.address_lines])),
        (t["buyer"], f"{order.buyer.name} <{order.buyer.email}> (id {order.buyer.id})"),
        (t["seller"], f"{order.seller.name} (id {order.seller.id})"),
        (
            t["order_no"],
            t["order_no_v"].format(number=order.number, id=order.id, at=dt(order.created_at)),
        ),
        (t["amount"], amount),
        (t["order_status"], order.status_fr if lang == "fr" else order.status_en),
        (
            t["dispute"],
            t["dispute_v"].format(id=dispute.id, reason=reason, at=dt(dispute.opened_at)),
        ),
        (t["description"], dispute.description),
        (t["requested"], res(dispute.requested.kind, dispute.requested.amount_cents)),
        (t["dispute_state"], state),
        (t["outcome"], outcome),
        (
            t["refunded"],
            t["refunded_v"].format(
                granted=money(case.refunded_cents), settled=money(case.settled_cents)
            ),
        ),
    ]
    story += [_p(t["summary"], S_H2), _fields(summary)]

    # 1. Order.
    story.append(_p(t["order"], S_H2))
    if order.items:
        rows = [
            [
                item.title,
                str(item.quantity),
                money(item.unit_price_cents),
                money(item.unit_price_cents * item.quantity),
            ]
            for item in order.items
        ]
        story += [
            _table(
                [t["item"], t["quantity"], t["unit_price"], t["line_total"]],
                rows,
                (0.55, 0.11, 0.17, 0.17),
            ),
            Spacer(1, 5),
        ]
    story.append(
        _fields(
            [
                (t["created"], dt(order.created_at)),
                (t["paid"], dt(order.paid_at)),
                (t["total"], money(order.total_cents)),
                (t["shipping"], order.shipping_method or "—"),
                (t["carrier"], order.carrier or "—"),
                (t["tracking_no"], order.tracking_number or "—"),
                (t["state"], order.state),
                (t["status"], order.status_fr if lang == "fr" else order.status_en),
                (t["address"], "\n".join(order.buyer.address_lines) or "—"),
            ]
        )
    )

    # 2. Timeline.
    story.append(_p(t["timeline"], S_H2))
    rows = []
    for entry in case.timeline:
        status = (entry.status_fr if lang == "fr" else entry.status_en) or ""
        details = "; ".join(f"{k}: {v}" for k, v in entry.details.items())
        why = "\n".join(part for part in (entry.reason, details) if part)
        rows.append(
            [dt(entry.at), label("role", entry.actor_role, lang), entry.action, status, why]
        )
    story.append(
        _table(
            [t["date"], t["actor"], t["action"], t["status"], t["reason_details"]],
            rows,
            (0.15, 0.13, 0.2, 0.17, 0.35),
        )
        if rows
        else _p(t["none"])
    )

    # 3. Tracking.
    story.append(_p(t["tracking"], S_H2))
    rows = [[dt(e.at), e.location or "—", e.description, e.status] for e in case.tracking]
    story.append(
        _table([t["date"], t["location"], t["event"], t["status"]], rows, (0.15, 0.2, 0.47, 0.18))
        if rows
        else _p(t["none"])
    )

    # 4. Messages, in full.
    story.append(_p(t["messages"], S_H2))
    story += _messages(case, t, lang, tz) or [_p(t["none"])]

    # 5. Offers.
    story.append(_p(t["offers"], S_H2))
    rows = [
        [
            str(o.seq),
            dt(o.at),
            label("role", o.by_role, lang),
            res(o.kind, o.amount_cents),
            o.message,
            label("offer_status", o.status, lang),
            dt(o.reply_by) if o.reply_by else "—",
        ]
        for o in case.offers
    ]
    header = [t["no"], t["date"], t["by"], t["proposal"], t["message"], t["status"], t["reply_by"]]
    story.append(
        _table(header, rows, (0.05, 0.13, 0.1, 0.17, 0.28, 0.13, 0.14)) if rows else _p(t["none"])
    )

    # 6. Evidence, with both hashes in full.
    story.append(_p(t["evidence"], S_H2))
    if case.evidence:
        story += [
            _evidence_table(case.evidence, t, lang, tz),
            Spacer(1, 3),
            _p(t["hash_note"], S_SMALL),
        ]
    else:
        story.append(_p(t["none"]))

    # 7. Evidence requests.
    story.append(_p(t["requests"], S_H2))
    rows = [
        [
            label("role", r.party, lang),
            r.note,
            dt(r.asked_at),
            dt(r.due_at),
            label("request_status", r.status, lang),
            dt(r.answered_at) if r.answered_at else "—",
        ]
        for r in case.evidence_requests
    ]
    header = [t["party"], t["request"], t["asked_at"], t["due_at"], t["status"], t["answered_at"]]
    story.append(
        _table(header, rows, (0.1, 0.36, 0.14, 0.14, 0.12, 0.14)) if rows else _p(t["none"])
    )

    # 8. Decision, and how the dispute ended.
    story.append(_p(t["decision"], S_H2))
    decided: list[tuple[str, str]] = []
    if case.decision is not None:
        d = case.decision
        decided += [
            (t["favour"], label("favour", d.in_favour_of, lang)),
            (t["decision_v"], res(d.kind, d.amount_cents)),
            (t["note"], d.note or "—"),
            (t["decided_at"], dt(d.decided_at)),
            (t["appealed"], t["yes"] if d.appealed else t["no_"]),
            (t["final"], t["yes"] if d.final else t["no_"]),
        ]
    if dispute.closed_at is not None:
        decided.append((t["closed"], dt(dispute.closed_at)))
        if dispute.outcome is not None:
            decided.append((t["outcome"], outcome))
    story.append(_fields(decided) if decided else _p(t["no_decision"]))

    # 9. Refunds.
    story.append(_p(t["refunds"], S_H2))
    rows = [
        [
            money(r.amount_cents),
            dt(r.expected_from),
            dt(r.expected_to),
            dt(r.settled_at) if r.settled_at else "—",
        ]
        for r in case.refunds
    ]
    if rows:
        story += [
            _table(
                [t["amount"], t["expected_from"], t["expected_to"], t["settled_at"]],
                rows,
                (0.22, 0.26, 0.26, 0.26),
            ),
            Spacer(1, 4),
            _p(
                t["refunds_total"].format(
                    granted=money(case.refunded_cents), settled=money(case.settled_cents)
                )
            ),
        ]
    else:
        story.append(_p(t["none"]))
    return story


# ---------------------------------------------------------------------------- letter


def _letter_story(letter: ComplaintLetter) -> list[Flowable]:
    left = 0.55 * WIDTH

    def block(lines: Sequence[str]) -> Paragraph:
        return Paragraph("<br/>".join(_markup(line) for line in lines), S_LETTER_BLOCK)

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
        _p(letter.place_date, right),
        Spacer(1, 16),
        _p(letter.mode, S_LETTER_B),
        _p(letter.subject, S_LETTER_B),
        Spacer(1, 12),
        _p(letter.salutation, S_LETTER),
    ]
    story += [_p(text, S_LETTER) for text in letter.paragraphs]
    story.append(_p(letter.closing, S_LETTER))
    # Room above the typed name for the handwritten signature.
    story.append(KeepTogether([Spacer(1, 30), _p(letter.signature, right), Spacer(1, 14)]))
    story.append(_p(letter.enclosures, ParagraphStyle("enc", parent=S_LETTER, alignment=0)))
    return story


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
        page = _T[self.lang]["page"].format(n=self.count, total=self.total or "?")
        font, size = "Helvetica", 7
        canv.saveState()
        canv.setStrokeColor(_RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, FOOTER_SPACE - 8, PAGE_WIDTH - MARGIN, FOOTER_SPACE - 8)
        canv.setFillColor(_MUTED)
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


def _build(
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


def render_case_file(case: CaseFile, *, locale: str = "fr", tz: str = DEFAULT_TZ) -> bytes:
    """DSP-9: the whole case as one PDF document, French by default ("en" for English)."""
    lang = lang_of(locale)
    t = _T[lang]
    names = {"dispute": case.dispute.id, "number": case.order.number}
    return _build(
        lambda: _case_story(case, lang, tz),
        title=t["title"].format(**names)
        + " — "
        + t["subtitle"].format(number=case.order.number, platform=case.platform.name),
        subject=t["subject"],
        lang=lang,
        footer=t["footer"].format(**names),
        stamp=t["generated"].format(at=format_datetime(case.generated_at, lang, tz), zone=tz),
    )


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
    avec accusé de réception" with the case file. See ``remedies.compose_complaint_letter``
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
    return _build(
        lambda: _letter_story(letter),
        title=letter.subject,
        subject=_T[lang]["letter_subject"],
        lang=lang,
        footer=_T[lang]["letter_footer"].format(**names),
        stamp="",
    )
