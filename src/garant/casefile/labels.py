"""The words a reader sees in the case file (DSP-9) and the complaint letter (MSG-4).

``label`` and ``resolution_text`` put the domain's codes (roles, outcomes, statuses…) in words;
``PDF_LABELS`` holds the headings and captions of the two PDF documents. French and English.
"""

from __future__ import annotations

from garant.casefile.model import format_money, lang_of
from garant.domain.disputes import RESOLUTION_LABELS

# The domain's codes, as a reader sees them. Unknown codes print as they are.
_ROLES = {
    "buyer": ("Acheteur", "Buyer"),
    "seller": ("Vendeur", "Seller"),
    "agent": ("Plateforme (agent)", "Platform (agent)"),
    "operator": ("Opérateur", "Operator"),
    "system": ("Système", "System"),
}
_FAVOUR = {
    "buyer": ("Acheteur", "Buyer"),
    "seller": ("Vendeur", "Seller"),
    "split": ("Partagé (remboursement partiel)", "Split (partial refund)"),
}
# The domain's ``outcome["how"]`` codes (order_protection._settle and the deadlines).
_HOW = {
    "accepted": ("Accord entre les parties", "Agreed by the parties"),
    "seller_silent": (
        "Demande accordée faute de réponse du vendeur dans le délai",
        "Request granted: the seller did not answer in time",
    ),
    "decision": ("Décision de la plateforme", "Platform decision"),
    "decision_accepted": (
        "Décision de la plateforme acceptée par les deux parties",
        "Platform decision accepted by both parties",
    ),
    "withdrawn": ("Litige retiré par l'acheteur", "Dispute withdrawn by the buyer"),
    "order_closed": (
        "Commande close et remboursée autrement (annulation, retour à l'expéditeur)",
        "Order closed and refunded another way (cancellation, returned to sender)",
    ),
    "choice_guarantee": (
        "Garantie de livraison Choice : remboursement intégral",
        "Choice delivery guarantee: refunded in full",
    ),
}
_EVIDENCE_KINDS = {
    "photo": ("Photo", "Photo"),
    "video": ("Vidéo", "Video"),
    "screenshot": ("Capture d'écran", "Screenshot"),
    "document": ("Document", "Document"),
}
_OFFER_STATUS = {
    "pending": ("En attente de réponse", "Awaiting an answer"),
    "accepted": ("Acceptée", "Accepted"),
    "rejected": ("Refusée", "Rejected"),
    "countered": ("Contre-proposition", "Countered"),
    "superseded": ("Remplacée", "Superseded"),
    "expired": ("Expirée", "Expired"),
    "closed": ("Close", "Closed"),
}
_REQUEST_STATUS = {
    "open": ("En attente", "Open"),
    "answered": ("Répondue", "Answered"),
    "overdue": ("Non fournie à temps", "Overdue"),
    "closed": ("Close", "Closed"),
}
_VOCABULARIES = {
    "role": _ROLES,
    "favour": _FAVOUR,
    "how": _HOW,
    "evidence_kind": _EVIDENCE_KINDS,
    "offer_status": _OFFER_STATUS,
    "request_status": _REQUEST_STATUS,
    "resolution": {code.value: (label.fr, label.en) for code, label in RESOLUTION_LABELS.items()},
}


def label(vocabulary: str, code: str, locale: str = "fr") -> str:
    """A code of one of the vocabularies above in words; an unknown code as it is."""
    pair = _VOCABULARIES[vocabulary].get(code)
    if pair is None:
        return code
    return pair[0] if lang_of(locale) == "fr" else pair[1]


def resolution_text(
    kind: str, amount_cents: int | None, currency: str = "EUR", locale: str = "fr"
) -> str:
    """``Remboursement partiel : 10,00 €``; a kind without an amount by its name alone."""
    name = label("resolution", kind, locale)
    if amount_cents is None:
        return name
    sep = " : " if lang_of(locale) == "fr" else ": "
    return f"{name}{sep}{format_money(amount_cents, currency, locale)}"


# ------------------------------------------------------------------- the PDF documents

PDF_LABELS: dict[str, dict[str, str]] = {
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
