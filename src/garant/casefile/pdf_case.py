"""The case file (DSP-9) as one PDF document: summary, then the nine parts in order.

Pure rendering: a ``CaseFile`` in, bytes out; nothing read from the database, the clock or
the settings. The same case gives the same bytes, so a case file can be hashed and compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from garant.casefile.labels import PDF_LABELS, label, resolution_text
from garant.casefile.model import (
    DEFAULT_TZ,
    CaseFile,
    Evidence,
    format_datetime,
    format_money,
    lang_of,
)
from garant.casefile.pdf_base import (
    HEAD,
    INK,
    RULE,
    S_CELL,
    S_CELL_B,
    S_H2,
    S_HASH,
    S_MSG,
    S_MSG_HEAD,
    S_SMALL,
    S_SUB,
    S_TITLE,
    WIDTH,
    bold_para,
    build_pdf,
    colon,
    markup,
    para,
)


def _size(n: int, lang: str) -> str:
    units = ("o", "Ko", "Mo", "Go") if lang == "fr" else ("B", "KB", "MB", "GB")
    value, unit = float(n), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    short = f"{n} {units[0]}" if unit == 0 else f"{value:.1f} {units[unit]}"
    exact = f"{n:,}".replace(",", " " if lang == "fr" else ",")
    if lang == "fr":
        short = short.replace(".", ",")
    return short if unit == 0 else f"{short}\n({PDF_LABELS[lang]['bytes'].format(n=exact)})"


# ---------------------------------------------------------------------------- blocks


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    """A grid with a header row repeated on each page; a tall row splits across pages."""
    data = [[Paragraph(markup(h), S_CELL_B) for h in header]]
    data += [[para(cell, S_CELL) for cell in row] for row in rows]
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
    data = [[Paragraph(markup(k), S_CELL_B), para(v, S_CELL)] for k, v in pairs]
    table = Table(
        data,
        colWidths=[label_width * WIDTH, (1 - label_width) * WIDTH],
        splitInRow=1,
        hAlign="LEFT",
    )
    table.setStyle(_grid_style(header=False))
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), HEAD)]))
    return table


def _grid_style(*, header: bool) -> TableStyle:
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEAD))
    return TableStyle(commands)


def _evidence_table(evidence: Sequence[Evidence], t: dict[str, str], lang: str, tz: str) -> Table:
    """One block of three rows per file: what it is, then each hash in full on its own row
    (64 hex digits fit one line of the spanned cell; a longer value wraps)."""
    header = [t["no"], t["file"], t["kind"], t["format"], t["size"], t["uploaded_by"]]
    header.append(t["uploaded_at"])
    widths = (0.05, 0.26, 0.11, 0.12, 0.16, 0.13, 0.17)
    data: list[list[object]] = [[Paragraph(markup(h), S_CELL_B) for h in header]]
    style = _grid_style(header=True)
    for ev in evidence:
        first = len(data)
        data.append(
            [
                para(str(ev.id), S_CELL),
                para(ev.filename, S_CELL),
                para(label("evidence_kind", ev.kind, lang), S_CELL),
                para(ev.content_type, S_CELL),
                para(_size(ev.size_bytes, lang), S_CELL),
                para(label("role", ev.uploader_role, lang), S_CELL),
                para(format_datetime(ev.at, lang, tz), S_CELL),
            ]
        )
        for key, digest in (("sha_original", ev.sha256), ("sha_shown", ev.shown_sha256)):
            row = len(data)
            data.append([para(t[key], S_CELL_B), "", para(digest, S_HASH), "", "", "", ""])
            style.add("SPAN", (0, row), (1, row))
            style.add("SPAN", (2, row), (-1, row))
        style.add("LINEABOVE", (0, first), (-1, first), 1.2, INK)
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
        out.append(KeepTogether([para(head, S_MSG_HEAD), para(msg.body, S_MSG)]))
        if msg.attachment_ids:
            files = []
            for ev_id in msg.attachment_ids:
                name = t["evidence_no"].format(id=ev_id)
                files.append(f"{name} ({names[ev_id]})" if ev_id in names else name)
            out.append(bold_para(t["attachments"] + colon(lang), ", ".join(files), S_MSG))
        out.append(Spacer(1, 6))
    return out


# ------------------------------------------------------------------------- case file


def _case_story(case: CaseFile, lang: str, tz: str) -> list[Flowable]:
    t = PDF_LABELS[lang]
    order, dispute = case.order, case.dispute
    cur = order.currency

    def dt(value: datetime | None) -> str:
        return "—" if value is None else format_datetime(value, lang, tz)

    def money(cents: int | None) -> str:
        return "—" if cents is None else format_money(cents, cur, lang)

    def res(kind: str, amount: int | None) -> str:
        return resolution_text(kind, amount, cur, lang)

    story: list[Flowable] = [
        para(t["title"].format(dispute=dispute.id), S_TITLE),
        para(t["subtitle"].format(number=order.number, platform=case.platform.name), S_SUB),
        para(t["generated"].format(at=dt(case.generated_at), zone=tz), S_SMALL),
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
        favour = t["favour"] + colon(lang) + " " + label("favour", o.in_favour_of, lang)
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
    story += [para(t["summary"], S_H2), _fields(summary)]

    # 1. Order.
    story.append(para(t["order"], S_H2))
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
    story.append(para(t["timeline"], S_H2))
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
        else para(t["none"])
    )

    # 3. Tracking.
    story.append(para(t["tracking"], S_H2))
    rows = [[dt(e.at), e.location or "—", e.description, e.status] for e in case.tracking]
    story.append(
        _table([t["date"], t["location"], t["event"], t["status"]], rows, (0.15, 0.2, 0.47, 0.18))
        if rows
        else para(t["none"])
    )

    # 4. Messages, in full.
    story.append(para(t["messages"], S_H2))
    story += _messages(case, t, lang, tz) or [para(t["none"])]

    # 5. Offers.
    story.append(para(t["offers"], S_H2))
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
        _table(header, rows, (0.05, 0.13, 0.1, 0.17, 0.28, 0.13, 0.14)) if rows else para(t["none"])
    )

    # 6. Evidence, with both hashes in full.
    story.append(para(t["evidence"], S_H2))
    if case.evidence:
        story += [
            _evidence_table(case.evidence, t, lang, tz),
            Spacer(1, 3),
            para(t["hash_note"], S_SMALL),
        ]
    else:
        story.append(para(t["none"]))

    # 7. Evidence requests.
    story.append(para(t["requests"], S_H2))
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
        _table(header, rows, (0.1, 0.36, 0.14, 0.14, 0.12, 0.14)) if rows else para(t["none"])
    )

    # 8. Decision, and how the dispute ended.
    story.append(para(t["decision"], S_H2))
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
    story.append(_fields(decided) if decided else para(t["no_decision"]))

    # 9. Refunds.
    story.append(para(t["refunds"], S_H2))
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
            para(
                t["refunds_total"].format(
                    granted=money(case.refunded_cents), settled=money(case.settled_cents)
                )
            ),
        ]
    else:
        story.append(para(t["none"]))
    return story


def render_case_file(case: CaseFile, *, locale: str = "fr", tz: str = DEFAULT_TZ) -> bytes:
    """DSP-9: the whole case as one PDF document, French by default ("en" for English)."""
    lang = lang_of(locale)
    t = PDF_LABELS[lang]
    names = {"dispute": case.dispute.id, "number": case.order.number}
    return build_pdf(
        lambda: _case_story(case, lang, tz),
        title=t["title"].format(**names)
        + " — "
        + t["subtitle"].format(number=case.order.number, platform=case.platform.name),
        subject=t["subject"],
        lang=lang,
        footer=t["footer"].format(**names),
        stamp=t["generated"].format(at=format_datetime(case.generated_at, lang, tz), zone=tz),
    )
