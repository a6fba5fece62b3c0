"""ORD-1: the buyer-visible vocabulary, exactly the words of seed 003's table.

The lifecycle state of an order is not shown as such: the status a buyer reads is derived
from the state, the shipment's progress and the money (see ``orders.display_status``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuyerStatus:
    code: str
    fr: str
    en: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "fr": self.fr, "en": self.en}


_VOCABULARY = [
    ("received", "Commande reçue", "Order received"),
    ("awaiting_details", "En attente de précisions", "Awaiting your details"),
    ("unfulfillable", "Commande inexécutable", "Order cannot be fulfilled"),
    ("amount_updated", "Montant mis à jour", "Amount updated"),
    ("processing", "Commande en cours", "Order in progress"),
    ("purchased", "Achat effectué", "Purchase complete"),
    ("prepared", "Commande préparée", "Order prepared"),
    ("consolidated", "Commande consolidée", "Order consolidated"),
    ("invoice_available", "Facture disponible", "Invoice available"),
    ("shipped", "Expédié", "Shipped"),
    ("carrier_accepted", "Pris en charge par le transporteur", "Picked up by the carrier"),
    ("international_transit", "En transit international", "In international transit"),
    (
        "arrived_destination_country",
        "Arrivé dans le pays de destination",
        "Arrived in the destination country",
    ),
    ("customs_clearance", "En cours de dédouanement", "Customs clearance in progress"),
    ("customs_cleared", "Dédouané", "Cleared customs"),
    ("out_for_delivery", "En cours de livraison", "Out for delivery"),
    ("delivered", "Arrivée à destination", "Delivered"),
    ("delivery_failed", "Tentative de livraison échouée", "Delivery attempt failed"),
    ("available_for_pickup", "Disponible en point de retrait", "Available for pickup"),
    ("cancelled", "Commande annulée", "Order cancelled"),
    ("refunded", "Commande remboursée", "Order refunded"),
    ("abandoned", "Commande abandonnée", "Order abandoned"),
    # seed 003, FAQ
    ("returned_to_sender", "Retourné à l'expéditeur", "Returned to sender"),
    # Not in the seed's table: a return agreed in a dispute (DSP-5), in the seeds' words.
    ("return_in_progress", "Retour en cours", "Return in progress"),
]

STATUSES: dict[str, BuyerStatus] = {code: BuyerStatus(code, fr, en) for code, fr, en in _VOCABULARY}

# Progress of a parcel once shipped, in the order it normally happens; a later tracking
# update never moves the shown status backwards except to failure/pickup/return states.
SHIPMENT_PROGRESS = (
    "shipped",
    "carrier_accepted",
    "international_transit",
    "arrived_destination_country",
    "customs_clearance",
    "customs_cleared",
    "out_for_delivery",
    "delivery_failed",
    "available_for_pickup",
)


def status(code: str) -> BuyerStatus:
    return STATUSES[code]
