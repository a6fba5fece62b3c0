"""The French and English sentences of ``diagnosis`` (TRK-4..7, CAN-13), in one place.

French in the seeds' words ("colis introuvable", "faute de frappe", "mise à jour", "expédié trop
récemment", "retourné à l'expéditeur", "point relais", "boîte aux lettres", "litige",
"protection acheteur"). Placeholders take plain text or a (French, English) pair.
"""

from __future__ import annotations

from garant.domain.shipment import CUSTOMS_SENT_BACK, NEVER_COLLECTED, SENT_BACK_AT_ORIGIN

TEXTS: dict[str, tuple[str, str]] = {
    # TRK-4
    "check_digit": (
        "Faute de frappe probable dans le numéro de suivi : le chiffre de contrôle ({pos}e "
        "caractère) devrait être {expected}, pas {actual} (format {label}).",
        "Probable typo in the tracking number: the check digit (character {pos}) should be "
        "{expected}, not {actual} ({label} format).",
    ),
    "lookalike": (
        "Faute de frappe probable : le caractère {pos} ({char}) est sans doute {other} ; "
        "{fixed} serait un numéro {label} valide.",
        "Probable typo: character {pos} ({char}) is probably {other}; {fixed} would be a valid "
        "{label} number.",
    ),
    "swapped": (
        "Faute de frappe probable : les chiffres {a} et {b} (caractères {i} et {j}) semblent "
        "inversés ; {fixed} passe le contrôle {label}.",
        "Probable typo: digits {a} and {b} (characters {i} and {j}) look swapped; {fixed} "
        "passes the {label} check.",
    ),
    "no_format": (
        "Le numéro de suivi {number} ne correspond à aucun format connu ({known}) : une faute "
        "de frappe est probable.",
        "Tracking number {number} matches no known format ({known}): a typo is likely.",
    ),
    "s10_country": (
        "{number} a la forme d'un numéro UPU S10, mais {country} n'est pas un code pays : un "
        "numéro S10 se termine par le code du pays qui l'a émis.",
        "{number} has the UPU S10 shape, but {country} is no country code: an S10 number ends "
        "with its issuing country's code.",
    ),
    "s10_length": (
        "{number} ressemble à un numéro UPU S10 (2 lettres, 9 chiffres, 2 lettres) mais compte "
        "{digits} chiffres : un chiffre manque ou est en trop.",
        "{number} looks like a UPU S10 number (2 letters, 9 digits, 2 letters) but has {digits} "
        "digits: one is missing or extra.",
    ),
    "typo_other": (
        "Faute de frappe probable dans le numéro de suivi : vérifiez chaque caractère.",
        "Probable typo in the tracking number: {warning}.",
    ),
    "typo": (
        "Colis introuvable : vérifiez le numéro de suivi avec celui que le vendeur a indiqué "
        "dans la commande ; même une petite erreur empêche de retrouver le colis. S'il est "
        "exact, revenez le {again}.",
        "Parcel not found: compare the tracking number with the one the seller gave in the "
        "order; even a small mistake keeps the parcel from being found. If it is right, look "
        "again on {again}.",
    ),
    "shipped_too_recently": (
        "Colis introuvable pour l'instant : il a été expédié trop récemment (le {shipped}) ; "
        "les transporteurs publient le premier scan sous 1 à 3 jours. Revenez le {again}.",
        "Parcel not found yet: it was shipped too recently (on {shipped}); carriers publish "
        "the first scan within 1 to 3 days. Look again on {again}.",
    ),
    "not_yet_published": (
        "Colis introuvable pour l'instant : la mise à jour du suivi n'est pas encore publiée "
        "par le transporteur. Revenez le {again}.",
        "Parcel not found yet: the carrier has not published the tracking update yet. Look "
        "again on {again}.",
    ),
    "contact_seller": (
        "Aucune information depuis l'expédition du {shipped} : contactez le vendeur pour "
        "qu'il vérifie le numéro de suivi auprès du transporteur.",
        "No information since shipping on {shipped}: contact the seller to check the tracking "
        "number with the carrier.",
    ),
    "contact_seller_from": (
        "Si rien n'apparaît d'ici le {when}, contactez le vendeur.",
        "If nothing shows by {when}, contact the seller.",
    ),
    "dispute_now": (
        "Toujours rien {days} jours après l'expédition : ouvrez un litige, la protection "
        "acheteur couvre les colis non reçus.",
        "Still nothing {days} days after shipping: open a dispute; buyer protection covers "
        "parcels not received.",
    ),
    "dispute_from": (
        "À partir du {when}, vous pourrez ouvrir un litige (protection acheteur).",
        "From {when}, you can open a dispute (buyer protection).",
    ),
    # TRK-6
    "stalled": (
        "Aucun mouvement depuis le {since} ({days} jours) : à l'étape « {stage} », il en faut "
        "d'habitude {normal} au plus.",
        'No movement since {since} ({days} days): at the stage "{stage}", it normally takes '
        "{normal} at most.",
    ),
    "stall_contact_seller": (
        "Contactez le vendeur depuis la commande : il peut ouvrir une enquête auprès du "
        "transporteur.",
        "Contact the seller from the order: they can open an inquiry with the carrier.",
    ),
    "check_local_carrier": (
        "Renseignez-vous auprès du transporteur local{carrier} avec le numéro de suivi {number}.",
        "Check with the local carrier{carrier} using tracking number {number}.",
    ),
    "customs_information": (
        "La douane attend des informations ou un paiement (TVA, droits) : suivez l'avis du "
        "transporteur pour débloquer le colis.",
        "Customs is waiting for information or a payment (VAT, duty): follow the carrier's "
        "notice to release the parcel.",
    ),
    "collect_by": (
        "Retirez le colis au point relais avant le {when} : ensuite, il sera retourné à "
        "l'expéditeur.",
        "Collect the parcel at the pickup point before {when}: after that it goes back to the "
        "sender.",
    ),
    "lost": (
        "Le transporteur déclare le colis perdu : ouvrez un litige pour être remboursé.",
        "The carrier reports the parcel lost: open a dispute to be refunded.",
    ),
    "dispute_before": (
        "Si le colis ne bouge toujours pas, ouvrez un litige avant le {when}, date de fin de "
        "votre protection acheteur.",
        "If the parcel still does not move, open a dispute before {when}, when your buyer "
        "protection ends.",
    ),
    "dispute_late": (
        "Votre protection acheteur a pris fin le {ended} ; un litige reste possible jusqu'au "
        "{when}.",
        "Your buyer protection ended on {ended}; a dispute can still be opened until {when}.",
    ),
    "dispute_closed": (
        "Votre protection acheteur a pris fin le {ended} et le délai pour ouvrir un litige a "
        "expiré le {when}.",
        "Your buyer protection ended on {ended} and the time to open a dispute ran out on {when}.",
    ),
    "protection": (
        "La protection acheteur de cette commande prend fin le {when}.",
        "Buyer protection for this order ends on {when}.",
    ),
    # TRK-5 / CAN-13
    "returned_to_sender": (
        "Votre colis est retourné à l'expéditeur. {why}",
        "Your parcel is being returned to the sender. {why}",
    ),
    "shipment_cancelled": (
        "Envoi annulé : {why} Ce n'est pas de votre fait : le vendeur en est responsable.",
        "Shipment cancelled: {why} This is not your doing: the seller is responsible.",
    ),
    "reshipment": (
        "Renvoi : le vendeur vous réexpédie l'article avec un nouveau numéro de suivi.",
        "Reshipment: the seller sends the item again with a new tracking number.",
    ),
    "refund": (
        "Remboursement : ouvrez un litige pour être remboursé (protection acheteur).",
        "Refund: open a dispute to be refunded (buyer protection).",
    ),
    "fix_address": (
        "Vérifiez et corrigez votre adresse de livraison avant de demander un renvoi.",
        "Check and correct your delivery address before asking for a reshipment.",
    ),
    "customs_papers": (
        "Pour un renvoi, demandez au vendeur de joindre des documents douaniers complets.",
        "For a reshipment, ask the seller to attach complete customs documents.",
    ),
    # TRK-7
    "delivered_at": ("{what} le {on}{at}.", "{what} on {on}{at}."),
    "check_around": (
        "Vérifiez votre boîte aux lettres et demandez à vos voisins et aux personnes de votre "
        "foyer s'ils ont reçu le colis.",
        "Check your letter box and ask your neighbours and household whether they took the parcel.",
    ),
    "ask_point": (
        "Demandez au point relais qui a retiré le colis et sur présentation de quelle pièce.",
        "Ask the pickup point who collected the parcel and on which identity document.",
    ),
    "proof_of_delivery": (
        "Demandez au transporteur la preuve de livraison (signature, photo, géolocalisation) "
        "avant le {when}.",
        "Ask the carrier for the proof of delivery (signature, photo, location) before {when}.",
    ),
    "dispute_with_proof": (
        "Vous pouvez ouvrir un litige jusqu'au {when} ({days} jours après la livraison) en "
        "joignant vos preuves : capture d'écran du suivi, réponse du transporteur.",
        "You can open a dispute until {when} ({days} days after delivery), attaching your "
        "proof: a screenshot of the tracking, the carrier's answer.",
    ),
}

# TRK-6 stages as the buyer reads them.
STAGES = {
    "before_departure": ("avant le départ", "before departure"),
    "international_transit": ("transit international", "international transit"),
    "awaiting_customs": ("arrivé, en attente de dédouanement", "arrived, awaiting customs"),
    "customs_processing": ("dédouanement", "customs clearance"),
    "customs_information_required": ("informations demandées par la douane",
                                     "customs information required"),
    "last_mile": ("livraison par le transporteur local", "delivery by the local carrier"),
    "out_for_delivery": ("en cours de livraison", "out for delivery"),
    "available_for_pickup": ("disponible en point de retrait", "available for pickup"),
    "lost": ("perdu", "lost"),
}  # fmt: skip

# Last-mile carriers by the name a French buyer knows them.
CARRIER_NAMES = {
    "laposte": "La Poste", "colissimo": "Colissimo", "chronopost": "Chronopost",
    "mondial_relay": "Mondial Relay", "relais_colis": "Relais Colis", "colis_prive": "Colis Privé",
    "dpd": "DPD", "gls": "GLS", "correos": "Correos", "poczta_polska": "Poczta Polska",
}  # fmt: skip

# TRK-5 reasons in the seed's headings and words; CAN-13 reasons complete "Envoi annulé : …".
REASONS = {
    "address_incorrect": (
        "Adresse incorrecte : une adresse incompréhensible ou inexacte a empêché la livraison.",
        "Address incorrect: an unclear or inaccurate address prevented delivery.",
    ),
    "delivery_attempts_failed": (
        "Tentatives de livraison infructueuses : plusieurs tentatives ont échoué.",
        "Delivery attempts failed: several attempts did not succeed.",
    ),
    "unclaimed_at_pickup_point": (
        "Colis non réclamé : il n'a pas été retiré à temps au point relais ou au bureau de poste.",
        "Unclaimed: it was not collected in time at the pickup point or post office.",
    ),
    "customs_documents": (
        "Problèmes de douane : documents manquants ou incorrects.",
        "Customs problems: missing or incorrect documents.",
    ),
    "unknown": (
        "Le transporteur n'indique pas la raison : le vendeur peut la lui demander.",
        "The carrier gives no reason: the seller can ask for it.",
    ),
    NEVER_COLLECTED: (
        "le transporteur n'est jamais venu chercher le colis chez le vendeur.",
        "the carrier never collected the parcel from the seller.",
    ),
    CUSTOMS_SENT_BACK: (
        "la douane a renvoyé le colis avant son départ du pays d'origine.",
        "customs sent the parcel back before it left the origin country.",
    ),
    SENT_BACK_AT_ORIGIN: (
        "le colis a été renvoyé au vendeur avant de quitter le pays d'origine.",
        "the parcel went back to the seller before leaving the origin country.",
    ),
}

# TRK-7: how the parcel left the carrier's hands.
PLACES = {
    "letter_box": ("Livré dans la boîte aux lettres", "Delivered to the letter box"),
    "neighbour": ("Remis à un voisin", "Left with a neighbour"),
    "signed": ("Remis contre signature", "Handed over against signature"),
    "pickup_point": ("Retiré au point relais", "Collected at the pickup point"),
    "locker": ("Retiré à la consigne automatique", "Collected from the parcel locker"),
    "other": ("Livré", "Delivered"),
}
