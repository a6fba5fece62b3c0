"""DSP-8, DSP-9, MSG-4: the case file as one PDF, the outside remedies, the complaint letter."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from garant.casefile import (
    DEFAULT_PLATFORM_ADDRESS,
    Buyer,
    CaseFile,
    Decision,
    Dispute,
    Evidence,
    EvidenceRequest,
    Item,
    Message,
    Offer,
    Order,
    Outcome,
    Platform,
    Refund,
    Resolution,
    Seller,
    TimelineEntry,
    TrackingEvent,
    complaint_letter_text,
    format_money,
    outside_remedies,
    remedies_for,
    render_case_file,
    render_complaint_letter,
)
from garant.casefile.remedies import compose_complaint_letter

T0 = datetime(2026, 9, 1, 8, 30, tzinfo=UTC)
PHOTO = hashlib.sha256(b"photo of the empty letterbox").hexdigest()
PHOTO_SHOWN = hashlib.sha256(b"photo of the empty letterbox, metadata removed").hexdigest()
SCREEN = hashlib.sha256(b"screenshot of the tracking page").hexdigest()
SCREEN_SHOWN = hashlib.sha256(b"screenshot of the tracking page, shown").hexdigest()
SENDER = ("Camille Martin", "12 rue des Lilas", "69003 Lyon")


def at(days: float, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def make_case(**changes: object) -> CaseFile:
    """A "not received" dispute: 2 messages, 2 offers, 2 evidence files, one evidence
    request, and the platform's decision of a partial refund of 10,00 € on 24,90 €."""
    order = Order(
        id=501,
        external_ref="8123456789",
        created_at=at(0),
        paid_at=at(0, 1),
        total_cents=2490,
        currency="EUR",
        items=(Item(title="Écouteurs sans fil Bluetooth", quantity=1, unit_price_cents=2490),),
        shipping_method="AliExpress Standard Shipping",
        tracking_number="LP00123456789012CN",
        carrier="Cainiao",
        state="completed",
        status_fr="Livré",
        status_en="Delivered",
        buyer=Buyer(
            id=7,
            name="Camille Martin",
            email="camille@example.fr",
            address_lines=("12 rue des Lilas", "69003 Lyon"),
        ),
        seller=Seller(id=9, name="Boutique Audio Officielle"),
    )
    dispute = Dispute(
        id=42,
        reason="not_received",
        reason_label_fr="Colis non reçu",
        reason_label_en="Parcel not received",
        detail=None,
        description="Le colis n'est jamais arrivé ; le suivi est bloqué depuis trois semaines.",
        requested=Resolution(kind="full_refund"),
        opened_at=at(40),
        state="resolved",
        state_label_fr="Litige clos",
        state_label_en="Dispute closed",
        closed_at=at(60),
        outcome=Outcome(
            kind="partial_refund", amount_cents=1000, how="decision", in_favour_of="split"
        ),
    )
    case = CaseFile(
        generated_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
        platform=Platform(name="AliExpress", address_lines=DEFAULT_PLATFORM_ADDRESS),
        order=order,
        dispute=dispute,
        timeline=(
            TimelineEntry(at=at(0), actor_role="buyer", action="place_order"),
            TimelineEntry(
                at=at(2),
                actor_role="seller",
                action="ship",
                status_fr="Expédié",
                status_en="Shipped",
                details={"tracking_number": "LP00123456789012CN"},
            ),
            TimelineEntry(
                at=at(40), actor_role="buyer", action="open_dispute", reason="not_received"
            ),
        ),
        tracking=(
            TrackingEvent(
                at=at(3),
                location="Shenzhen",
                description="Accepted by carrier",
                status="in_transit",
            ),
            TrackingEvent(
                at=at(12),
                location=None,
                description="Departed from sorting center",
                status="in_transit",
            ),
        ),
        messages=(
            Message(
                at=at(30),
                author_role="buyer",
                author_name="Camille Martin",
                body="Bonjour, où est mon colis ? Le suivi ne bouge plus.",
                attachment_ids=(1,),
            ),
            Message(
                at=at(31),
                author_role="seller",
                author_name="Boutique Audio Officielle",
                body="Bonjour, merci de patienter encore deux semaines.",
            ),
        ),
        offers=(
            Offer(
                seq=1,
                at=at(42),
                by_role="seller",
                kind="partial_refund",
                amount_cents=500,
                message="Je propose 5 euros.",
                status="rejected",
                reply_by=at(45),
            ),
            Offer(
                seq=2,
                at=at(43),
                by_role="buyer",
                kind="full_refund",
                amount_cents=None,
                message="Je n'ai rien reçu : remboursement intégral.",
                status="expired",
                reply_by=at(46),
            ),
        ),
        evidence=(
            Evidence(
                id=1,
                filename="boite-aux-lettres.jpg",
                kind="photo",
                content_type="image/jpeg",
                size_bytes=245_760,
                sha256=PHOTO,
                shown_sha256=PHOTO_SHOWN,
                uploader_role="buyer",
                at=at(30),
            ),
            Evidence(
                id=2,
                filename="suivi.png",
                kind="screenshot",
                content_type="image/png",
                size_bytes=81_234,
                sha256=SCREEN,
                shown_sha256=SCREEN_SHOWN,
                uploader_role="buyer",
                at=at(40),
            ),
        ),
        evidence_requests=(
            EvidenceRequest(
                party="seller",
                note="Preuve de livraison signée, s'il vous plaît.",
                asked_at=at(50),
                due_at=at(53),
                status="overdue",
            ),
        ),
        decision=Decision(
            in_favour_of="split",
            kind="partial_refund",
            amount_cents=1000,
            note="Suivi interrompu ; pas de preuve de livraison.",
            decided_at=at(55),
            appealed=False,
            final=True,
        ),
        refunds=(Refund(amount_cents=1000, expected_from=at(60 + 15), expected_to=at(60 + 30)),),
    )
    return replace(case, **changes)  # type: ignore[arg-type]


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() or "" for page in reader.pages]


def flat(text: str) -> str:
    """Whitespace (line breaks of wrapped text, non-breaking spaces) as single spaces."""
    return " ".join(text.split())


def compact(text: str) -> str:
    return "".join(text.split())


# ------------------------------------------------------------------------------ DSP-9


def test_dsp9_case_file_is_one_pdf_with_every_part() -> None:
    case = make_case()
    data = render_case_file(case)
    assert data.startswith(b"%PDF-")
    reader, pages = pdf_text(data)
    assert len(pages) >= 1
    text = flat("\n".join(pages))
    for part in (
        "Dossier de litige n° 42",
        "Commande n° 8123456789 — AliExpress",
        "Généré le 22/11/2026 11:00 — heures indiquées dans le fuseau Europe/Paris",
        "Résumé",
        "1. Commande",
        "2. Historique",
        "3. Suivi du colis",
        "4. Messages",
        "5. Propositions",
        "6. Preuves",
        "7. Demandes de preuves",
        "8. Décision",
        "9. Remboursements",
        # order and parties
        "Écouteurs sans fil Bluetooth",
        "24,90 €",
        "Camille Martin",
        "camille@example.fr",
        "Boutique Audio Officielle",
        "LP00123456789012CN",
        "Alibaba France, 6 rue Ménars, 75002 Paris",
        # dispute
        "Colis non reçu",
        "Le colis n'est jamais arrivé ; le suivi est bloqué depuis trois semaines.",
        "Remboursement intégral",
        # timeline and tracking
        "open_dispute",
        "Accepted by carrier",
        "Departed from sorting center",
        # every message, with its attachment
        "Bonjour, où est mon colis ? Le suivi ne bouge plus.",
        "Bonjour, merci de patienter encore deux semaines.",
        "preuve n° 1 (boite-aux-lettres.jpg)",
        # every proposal
        "Remboursement partiel : 5,00 €",
        "Je propose 5 euros.",
        "Je n'ai rien reçu : remboursement intégral.",
        "Refusée",
        "Expirée",
        # evidence, requests, decision, refunds
        "boite-aux-lettres.jpg",
        "suivi.png",
        "Capture d'écran",
        "Preuve de livraison signée, s'il vous plaît.",
        "Non fournie à temps",
        "Partagé (remboursement partiel)",
        "Remboursement partiel : 10,00 €",
        "Suivi interrompu ; pas de preuve de livraison.",
        "Total accordé : 10,00 € — reçu : 0,00 €",
    ):
        assert part in text, part
    for n, page in enumerate(pages, start=1):
        assert f"page {n} / {len(pages)}" in flat(page)
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Dossier de litige n° 42 — Commande n° 8123456789 — AliExpress"
    assert meta.author == "Garant"
    assert meta.subject and "litige" in meta.subject


def test_dsp9_evidence_hashes_printed_in_full() -> None:
    text = "\n".join(pdf_text(render_case_file(make_case()))[1])
    for digest in (PHOTO, PHOTO_SHOWN, SCREEN, SCREEN_SHOWN):
        assert digest in compact(text)
    # 64 hex digits fit one line of their cell: each hash is also printed unbroken
    assert PHOTO in text and SCREEN_SHOWN in text
    assert "SHA-256 de l'original" in text and "SHA-256 de la copie montrée" in flat(text)


def test_dsp9_case_file_in_english() -> None:
    text = flat("\n".join(pdf_text(render_case_file(make_case(), locale="en"))[1]))
    for part in (
        "Dispute case file no. 42",
        "Generated on 2026-11-22 11:00",
        "1. Order",
        "5. Proposals",
        "6. Evidence",
        "9. Refunds",
        "€24.90",
        "Partial refund: €10.00",
        "Parcel not received",
        "SHA-256 of the original",
    ):
        assert part in text, part
    assert "Dossier de litige" not in text


def test_dsp9_hostile_text_prints_literally() -> None:
    case = make_case()
    unbroken = "https://example.com/" + "a" * 600
    hostile_dispute = replace(
        case.dispute, description="<script>alert('x')</script> & co <b>gras</b> &amp; ]]>"
    )
    hostile_order = replace(
        case.order, seller=Seller(id=9, name="深圳音频 Shop"), external_ref="A&B<1>"
    )
    long_body = "\n".join(f"Ligne {i} : le colis n'est pas là." for i in range(400))
    case = replace(
        case,
        order=hostile_order,
        dispute=hostile_dispute,
        messages=(
            *case.messages,
            Message(at=at(32), author_role="buyer", author_name="<img src=x>", body=unbroken),
            Message(at=at(33), author_role="buyer", author_name="Camille", body=long_body),
            Message(at=at(34), author_role="buyer", author_name="Camille", body="bip\x07 😀"),
        ),
        evidence=(
            *case.evidence,
            replace(case.evidence[0], id=3, filename="<x>&amp;" + "b" * 150 + ".jpg"),
        ),
    )
    data = render_case_file(case)
    _, pages = pdf_text(data)
    assert len(pages) > 3  # the 400-line message runs over pages instead of overflowing
    text = "\n".join(pages)
    assert "<script>alert('x')</script> & co <b>gras</b> &amp; ]]>" in flat(text)
    assert "Commande n° A&B<1>" in flat(text)
    assert "<img src=x>" in text
    assert compact(unbroken) in compact(text)
    assert "Ligne 399 : le colis n'est pas là." in flat(text)
    assert "[U+6DF1][U+5733][U+97F3][U+9891] Shop" in text
    assert "bip[U+0007] [U+1F600]" in text
    assert compact("<x>&amp;" + "b" * 150 + ".jpg") in compact(text)


def test_dsp9_same_case_same_bytes() -> None:
    case = make_case()
    first = render_case_file(case)
    assert render_case_file(make_case()) == first
    assert hashlib.sha256(render_complaint_letter(case, sender_lines=SENDER)).digest() == (
        hashlib.sha256(render_complaint_letter(make_case(), sender_lines=SENDER)).digest()
    )
    later = make_case(generated_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert render_case_file(later) != first


def test_dsp9_empty_sections_say_so() -> None:
    case = make_case(
        timeline=(),
        tracking=(),
        messages=(),
        offers=(),
        evidence=(),
        evidence_requests=(),
        decision=None,
        refunds=(),
        dispute=replace(make_case().dispute, closed_at=None, outcome=None, state="negotiating"),
    )
    text = flat("\n".join(pdf_text(render_case_file(case))[1]))
    assert text.count("Aucun élément.") == 7
    assert "Aucune décision de la plateforme." in text


def test_dsp9_case_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(make_case(), generated_at=datetime(2026, 11, 22, 10, 0))


def test_money_is_printed_the_french_way() -> None:
    assert format_money(2490) == "24,90 €"
    assert format_money(123456) == "1 234,56 €"
    assert format_money(5) == "0,05 €"
    assert format_money(2490, locale="en") == "€24.90"
    assert format_money(2490, "USD") == "24,90 USD"


# ------------------------------------------------------------------------------ MSG-4

LETTER_PARTS = (
    "Camille Martin\n12 rue des Lilas\n69003 Lyon\nCourriel : camille@example.fr",
    "AliExpress\nAlibaba France\n6 rue Ménars\n75002 Paris",
    "Lyon, le 22 novembre 2026",
    "Lettre recommandée avec accusé de réception",
    "Objet : Réclamation — commande n° 8123456789 — litige n° 42",
    "Madame, Monsieur,",
    "Le 01/09/2026, j'ai passé sur AliExpress la commande n° 8123456789 auprès du vendeur "
    "« Boutique Audio Officielle », pour un montant total de 24,90 €, réglé le 01/09/2026.",
    "Le 11/10/2026, j'ai ouvert le litige n° 42 pour le motif suivant : Colis non reçu. "
    "J'ai demandé le remboursement intégral de la commande.",
    "Le 26/10/2026, après médiation, la plateforme a rendu sa décision : un remboursement "
    "partiel de 10,00 €, avec ce motif : « Suivi interrompu ; pas de preuve de livraison. ».",
    "Le litige a été clos le 31/10/2026 (décision de la plateforme) ; issue retenue : un "
    "remboursement partiel de 10,00 €.",
    "Un remboursement de 10,00 € m'a été annoncé, au plus tard pour le 30/11/2026 ; à ce jour, "
    "je ne l'ai pas reçu.",
    "procéder au remboursement de la somme de 14,90 €, soit le montant que j'avais demandé "
    "(24,90 €) moins les remboursements déjà accordés (10,00 €).",
    "dans un délai de 30 jours à compter de la réception de la présente lettre",
    "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
    "Pièces jointes : dossier complet du litige (PDF) avec empreintes SHA-256 des preuves",
)


def test_msg4_complaint_letter_in_french_for_registered_mail() -> None:
    case = make_case()
    text = complaint_letter_text(case, SENDER)
    for part in LETTER_PARTS:
        assert part in text, part
    assert text.index("Objet :") < text.index("Madame, Monsieur,") < text.index("Pièces jointes")
    assert text.rstrip().endswith(LETTER_PARTS[-1])

    data = render_complaint_letter(case, sender_lines=SENDER)
    assert data.startswith(b"%PDF-")
    reader, pages = pdf_text(data)
    printed = flat("\n".join(pages))
    for part in LETTER_PARTS:
        assert flat(part) in printed, part
    assert "page 1 / " in printed
    assert reader.metadata is not None and reader.metadata.author == "Garant"
    assert reader.metadata.title == "Objet : Réclamation — commande n° 8123456789 — litige n° 42"


def test_msg4_letter_defaults_to_the_buyers_address_and_babel_dates() -> None:
    case = make_case(generated_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    letter = compose_complaint_letter(case)
    assert letter.sender_lines == (
        "Camille Martin",
        "12 rue des Lilas",
        "69003 Lyon",
        "Courriel : camille@example.fr",
    )
    assert letter.place_date == "Lyon, le 1er décembre 2026"
    assert letter.signature == "Camille Martin"
    no_address = replace(case.order, buyer=replace(case.order.buyer, address_lines=()))
    assert compose_complaint_letter(replace(case, order=no_address)).place_date == (
        "Le 1er décembre 2026"
    )


def test_msg4_letter_asks_for_what_is_still_owed() -> None:
    case = make_case()
    granted_in_full = make_case(
        refunds=(
            Refund(amount_cents=2490, expected_from=at(75), expected_to=at(90), settled_at=None),
        )
    )
    text = complaint_letter_text(granted_in_full, SENDER)
    assert "versement effectif du remboursement de 24,90 € qui m'a été annoncé" in text
    reship = replace(case.dispute, requested=Resolution(kind="reshipment"))
    text = complaint_letter_text(replace(case, dispute=reship), SENDER)
    assert "renvoi de l'article commandé ou, à défaut, au remboursement de la somme de 14,90 €" in (
        text
    )
    open_case = replace(
        case,
        dispute=replace(case.dispute, closed_at=None, outcome=None, state_label_fr="Négociation"),
        decision=None,
        refunds=(),
    )
    text = complaint_letter_text(open_case, SENDER)
    assert "À ce jour, le litige n'est pas résolu (état : Négociation)." in text
    assert "À ce jour, je n'ai reçu aucun remboursement." in text
    assert "remboursement de la somme de 24,90 €." in text


def test_msg4_letter_in_english() -> None:
    text = complaint_letter_text(make_case(), SENDER, locale="en")
    assert "Lyon, 22 November 2026" in text
    assert "Subject: Complaint — order no. 8123456789 — dispute no. 42" in text
    assert "refund the sum of €14.90" in text
    assert "Yours faithfully," in text


# ------------------------------------------------------------------------------ DSP-8


def test_dsp8_remedies_name_the_platform_address() -> None:
    remedies = outside_remedies()
    codes = [r["code"] for r in remedies]
    assert codes == [
        "consumer_association",
        "registered_letter",
        "consumer_mediator",
        "european_consumer_centre",
        "export_case_file",
    ]
    by_code = {r["code"]: r for r in remedies}
    letter = by_code["registered_letter"]
    assert letter["address_lines"] == ["Alibaba France", "6 rue Ménars", "75002 Paris"]
    assert "lettre recommandée avec accusé de réception" in letter["text"]
    assert letter["action"] == "complaint_letter"
    assert by_code["export_case_file"]["action"] == "case_file"
    assert (
        "association de protection des consommateurs" in (by_code["consumer_association"]["text"])
    )
    assert "médiateur de la consommation" in by_code["consumer_mediator"]["title"]
    assert (
        "Centre Européen des Consommateurs France" in (by_code["european_consumer_centre"]["text"])
    )
    assert all(r["address_lines"] == [] for r in remedies if r["code"] != "registered_letter")

    english = outside_remedies(("Example Ltd", "1 Main St"), "en")
    assert english[1]["title"] == "Send a registered letter with acknowledgment of receipt"
    assert english[1]["address_lines"] == ["Example Ltd", "1 Main St"]


def test_dsp8_remedies_only_when_closed_against_the_buyer() -> None:
    case = make_case()  # closed with a partial refund: not against the buyer
    assert remedies_for(case) == []
    against = replace(
        case,
        dispute=replace(
            case.dispute,
            outcome=Outcome(
                kind="no_refund",
                amount_cents=None,
                how="decision",
                in_favour_of="seller",
            ),
        ),
    )
    remedies = remedies_for(against, "fr")
    assert [r["code"] for r in remedies][:2] == ["consumer_association", "registered_letter"]
    assert remedies[1]["address_lines"] == list(DEFAULT_PLATFORM_ADDRESS)
    still_open = replace(against, dispute=replace(against.dispute, closed_at=None))
    assert remedies_for(still_open) == []
