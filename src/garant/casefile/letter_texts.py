"""The complaint letter's wording (MSG-4), sentence by sentence, in French and English.

``letter.compose_complaint_letter`` picks the sentences that fit the case and fills in its
facts (``{number}``, ``{claim}``…).
"""

LETTER_FR = {
    "mode": "Lettre recommandée avec accusé de réception",
    "subject": "Objet : Réclamation — commande n° {number} — litige n° {dispute}",
    "salutation": "Madame, Monsieur,",
    "order": (
        "Le {ordered}, j'ai passé sur {platform} la commande n° {number} auprès du vendeur "
        "« {seller} », pour un montant total de {total}"
    ),
    "paid": ", réglé le {paid}",
    "items": "Elle porte sur : {items}.",
    "tracking": "Le colis porte le numéro de suivi {tracking} ; son statut est : « {status} ».",
    "tracking_carrier": (
        "Le colis a été confié au transporteur {carrier} sous le numéro de suivi {tracking} ; "
        "son statut est : « {status} »."
    ),
    "opened": (
        "Le {opened}, j'ai ouvert le litige n° {dispute} pour le motif suivant : {reason}{detail}. "
        "J'ai demandé {requested}."
    ),
    "description": "J'ai décrit le problème en ces termes : « {description} »",
    "decision": ("Le {decided}, après médiation, la plateforme a rendu sa décision : {res}{note}."),
    "decision_note": ", avec ce motif : « {note} »",
    "closed": "Le litige a été clos le {closed} ({how}) ; issue retenue : {res}.",
    "open": "À ce jour, le litige n'est pas résolu (état : {state}).",
    "no_refund": "À ce jour, je n'ai reçu aucun remboursement.",
    "refunded": "À ce jour, j'ai reçu un remboursement de {settled}.",
    "pending": (
        "Un remboursement de {pending} m'a été annoncé, au plus tard pour le {by} ; à ce jour, "
        "j'ai reçu {settled}."
    ),
    "pending_none": (
        "Un remboursement de {pending} m'a été annoncé, au plus tard pour le {by} ; à ce jour, "
        "je ne l'ai pas reçu."
    ),
    "up_to": " à hauteur de {amount}",
    "ask_refund": (
        "{lead} Je vous demande donc de bien vouloir procéder au remboursement de la somme "
        "de {claim}{why}."
    ),
    "ask_refund_why": (
        ", soit le montant que j'avais demandé ({asked}) moins les remboursements déjà "
        "accordés ({granted})"
    ),
    "ask_reshipment": (
        "{lead} Je vous demande donc de bien vouloir procéder au renvoi de l'article commandé "
        "ou, à défaut, au remboursement de la somme "
        "de {rest}."
    ),
    "closed_lead": "Cette issue ne me donne pas satisfaction.",
    "open_lead": "Le litige n'a pas trouvé de solution à ce jour.",
    "ask_pending": (
        "Je vous demande donc de bien vouloir procéder au versement effectif du remboursement "
        "de {pending} qui m'a été annoncé."
    ),
    "ask_review": (
        "{lead} Je vous demande donc de bien vouloir réexaminer ma réclamation et de me "
        "faire connaître votre position."
    ),
    "deadline": (
        "Je vous remercie de me répondre dans un délai de {days} jours à compter de la "
        "réception de la présente lettre. À défaut de réponse satisfaisante dans ce délai, je "
        "me réserve la possibilité de saisir une association de protection des consommateurs "
        "ou le médiateur de la consommation."
    ),
    "enclosed": (
        "Vous trouverez ci-joint le dossier complet du litige : la commande, le suivi du "
        "colis, l'ensemble des messages échangés, les propositions, les preuves avec "
        "l'empreinte SHA-256 de chaque fichier, et la décision."
    ),
    "closing": (
        "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées."
    ),
    "enclosures": (
        "Pièces jointes : dossier complet du litige (PDF) avec empreintes SHA-256 des preuves"
    ),
}

LETTER_EN = {
    "mode": "Registered letter with acknowledgment of receipt",
    "subject": "Subject: Complaint — order no. {number} — dispute no. {dispute}",
    "salutation": "Dear Sir or Madam,",
    "order": (
        "On {ordered}, I placed order no. {number} on {platform} with the seller "
        '"{seller}", for a total of {total}'
    ),
    "paid": ", paid on {paid}",
    "items": "It comprises: {items}.",
    "tracking": 'The parcel\'s tracking number is {tracking}; its status is: "{status}".',
    "tracking_carrier": (
        "The parcel was handed to the carrier {carrier} under tracking number {tracking}; "
        'its status is: "{status}".'
    ),
    "opened": (
        "On {opened}, I opened dispute no. {dispute} for the following reason: {reason}{detail}. "
        "I asked for {requested}."
    ),
    "description": 'I described the problem as follows: "{description}"',
    "decision": "On {decided}, after mediation, the platform decided: {res}{note}.",
    "decision_note": ', giving this reason: "{note}"',
    "closed": "The dispute was closed on {closed} ({how}); outcome: {res}.",
    "open": "To this day the dispute is not settled (state: {state}).",
    "no_refund": "To this day I have received no refund.",
    "refunded": "To this day I have received a refund of {settled}.",
    "pending": (
        "A refund of {pending} was announced to me, due by {by} at the latest; to this day I "
        "have received {settled}."
    ),
    "pending_none": (
        "A refund of {pending} was announced to me, due by {by} at the latest; to this day I "
        "have not received it."
    ),
    "up_to": " of up to {amount}",
    "ask_refund": "{lead} I therefore ask you to refund the sum of {claim}{why}.",
    "ask_refund_why": (
        ", that is the amount I asked for ({asked}) less the refunds already granted ({granted})"
    ),
    "ask_reshipment": (
        "{lead} I therefore ask you to send the item ordered again "
        "or, failing that, to refund the sum of {rest}."
    ),
    "closed_lead": "This outcome does not satisfy me.",
    "open_lead": "The dispute has found no solution so far.",
    "ask_pending": "I therefore ask you to actually pay the refund of {pending} announced to me.",
    "ask_review": (
        "{lead} I therefore ask you to review my complaint and to let me know your position."
    ),
    "deadline": (
        "Please answer within {days} days of receiving this letter. Failing a satisfactory "
        "answer within that time, I reserve the right to turn to a consumer protection "
        "association or to the consumer mediator."
    ),
    "enclosed": (
        "Please find enclosed the complete case file of the dispute: the order, the parcel "
        "tracking, every message exchanged, the proposals, the evidence with each file's "
        "SHA-256 fingerprint, and the decision."
    ),
    "closing": "Yours faithfully,",
    "enclosures": (
        "Enclosures: complete case file of the dispute (PDF) with SHA-256 fingerprints of the "
        "evidence"
    ),
}

# How a resolution reads inside a sentence of the letter ("J'ai demandé …").
RESOLUTION_PHRASES = {
    "fr": {
        "full_refund": "le remboursement intégral de la commande",
        "partial_refund": "un remboursement partiel de {amount}",
        "reshipment": "le renvoi de l'article",
        "return_and_refund": "le retour de l'article et son remboursement",
        "no_refund": "aucun remboursement",
    },
    "en": {
        "full_refund": "a full refund of the order",
        "partial_refund": "a partial refund of {amount}",
        "reshipment": "the item to be sent again",
        "return_and_refund": "the return of the item and its refund",
        "no_refund": "no refund",
    },
}
