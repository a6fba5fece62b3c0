"""What the sandbox's carriers say: codes and words in each carrier's own style.

Codes follow the real carriers' tables as Garant's adapters read them (La Poste's DI1, ND1, AG1…,
Cainiao's action codes, the UPU EMSEVT codes China Post uses, DHL / FedEx / UPS event codes),
and the words are chosen so that those adapters would read the same status from them: a
sandbox journey then looks like what a carrier really sends (a unit test checks it).
Placeholders: {city} {point} {office} {code} {signer} {local} {area}.
"""

from __future__ import annotations

from dataclasses import dataclass

from garant.domain.tracking import SubStatus, TrackingStatus

S = SubStatus
T = TrackingStatus


@dataclass(frozen=True)
class Say:
    code: str | None
    text: str
    status: TrackingStatus
    sub_status: SubStatus = SubStatus.NONE

    def __call__(self, **names: str) -> Say:
        return Say(self.code, self.text.format(**names), self.status, self.sub_status)


# Steps of the last mile and of customs, by carrier. Every table has every key.
LAST_MILE_KEYS = (
    "hub", "site", "out", "letter_box", "signed", "pickup_ready", "locker_ready", "office_ready",
    "collected_pickup", "collected_locker", "collected_office", "absent", "bad_address",
    "return_unclaimed", "return_address",
)  # fmt: skip
CUSTOMS_KEYS = ("start", "held", "info", "released", "return")

LA_POSTE: dict[str, Say] = {
    "hub": Say("ET1", "Votre colis est en cours d'acheminement.", T.IN_TRANSIT,
               S.IN_TRANSIT_OTHER),
    "site": Say("MD2", "Votre colis est arrivé sur son site de distribution.", T.IN_TRANSIT,
                S.IN_TRANSIT_OTHER),
    "out": Say("MD2", "Votre colis est en cours de livraison.", T.OUT_FOR_DELIVERY),
    "letter_box": Say("DI1", "Votre colis est livré dans votre boîte aux lettres.", T.DELIVERED,
                      S.LETTER_BOX),
    "signed": Say("DI1", "Votre colis a été remis en main propre contre signature.",
                  T.DELIVERED, S.SIGNED),
    "pickup_ready": Say("AG1", "Votre colis est disponible dans votre point de retrait Pickup "
                        "« {point} ». Il y sera conservé 10 jours.", T.AVAILABLE_FOR_PICKUP,
                        S.PICKUP_POINT),
    "locker_ready": Say("AG1", "Votre colis est disponible dans la consigne Pickup Station "
                        "« {point} ». Code de retrait : {code}.", T.AVAILABLE_FOR_PICKUP,
                        S.LOCKER),
    "office_ready": Say("AG1", "Votre colis est disponible dans votre bureau de poste "
                        "« {office} ». Il y sera conservé 15 jours.", T.AVAILABLE_FOR_PICKUP,
                        S.PICKUP_POINT),
    "collected_pickup": Say("DI1", "Votre colis a été retiré dans votre point de retrait.",
                            T.DELIVERED, S.COLLECTED),
    "collected_locker": Say("DI1", "Votre colis a été retiré de la consigne Pickup Station.",
                            T.DELIVERED, S.COLLECTED),
    "collected_office": Say("DI1", "Votre colis a été retiré au bureau de poste.", T.DELIVERED,
                            S.COLLECTED),
    "absent": Say("ND1", "Votre colis n'a pas pu être livré : destinataire absent. Un avis de "
                  "passage a été déposé.", T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "bad_address": Say("ND1", "Votre colis n'a pas pu être livré : adresse incorrecte ou "
                       "incomplète.", T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    "return_unclaimed": Say("RE1", "Votre colis n'a pas été retiré dans le délai de mise en "
                            "instance. Il est retourné à l'expéditeur.", T.RETURNING,
                            S.UNCLAIMED),
    "return_address": Say("RE1", "Votre colis est retourné à l'expéditeur : adresse "
                          "incorrecte.", T.RETURNING, S.ADDRESS_INCORRECT),
}  # fmt: skip

LA_POSTE_CUSTOMS: dict[str, Say] = {
    "start": Say("DO1", "Votre colis est en cours de dédouanement.", T.IN_TRANSIT,
                 S.CUSTOMS_PROCESSING),
    "held": Say("DO3", "Votre colis est retenu en douane pour contrôle.", T.EXCEPTION,
                S.HELD_BY_CUSTOMS),
    "info": Say("ID0", "Informations douane : des documents complémentaires (facture, "
                "justificatif d'identité) sont nécessaires pour dédouaner votre colis.",
                T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
    "released": Say("DO2", "Votre colis a été dédouané.", T.IN_TRANSIT, S.CUSTOMS_RELEASED),
    "return": Say("RE1", "Faute des documents demandés par la douane, votre colis est "
                  "retourné à l'expéditeur.", T.RETURNING, S.CUSTOMS),
}  # fmt: skip

CAINIAO_CUSTOMS: dict[str, Say] = {
    "start": Say("CC_IM_START", "[Paris] Import customs clearance started", T.IN_TRANSIT,
                 S.CUSTOMS_PROCESSING),
    "held": Say("CC_IM_HOLD", "[Paris] Import customs clearance delay: parcel held for "
                "inspection", T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "info": Say("CC_IM_START", "[Paris] Import customs clearance: additional information "
                "required from the recipient (invoice, identity)", T.IN_TRANSIT,
                S.CUSTOMS_INFORMATION_REQUIRED),
    "released": Say("CC_IM_SUCCESS", "[Paris] Import customs clearance complete", T.IN_TRANSIT,
                    S.CUSTOMS_RELEASED),
    "return": Say("CC_IM_RETURN", "[Paris] Customs documents not provided, the parcel is "
                  "returned to the sender", T.RETURNING, S.CUSTOMS),
}  # fmt: skip

DHL: dict[str, Say] = {
    "hub": Say("AR", "Arrived at Delivery Facility in {area}", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "site": Say("PL", "Processed at {area}", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "out": Say("WC", "With delivery courier", T.OUT_FOR_DELIVERY),
    "letter_box": Say("OK", "Delivered - Left in the letter box", T.DELIVERED, S.LETTER_BOX),
    "signed": Say("OK", "Delivered - Signed for by: {signer}", T.DELIVERED, S.SIGNED),
    "pickup_ready": Say("CC", "Awaiting collection by consignee at DHL ServicePoint {point}",
                        T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "locker_ready": Say("CC", "Awaiting collection by consignee at DHL Locker {point} - PIN "
                        "{code}", T.AVAILABLE_FOR_PICKUP, S.LOCKER),
    "office_ready": Say("CC", "Awaiting collection by consignee at DHL ServicePoint {office}",
                        T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "collected_pickup": Say("OK", "Delivered - Collected by consignee at DHL ServicePoint",
                            T.DELIVERED, S.COLLECTED),
    "collected_locker": Say("OK", "Delivered - Collected by consignee from DHL Locker",
                            T.DELIVERED, S.COLLECTED),
    "collected_office": Say("OK", "Delivered - Collected by consignee at DHL ServicePoint",
                            T.DELIVERED, S.COLLECTED),
    "absent": Say("NH", "Consignee not home - a delivery notice card was left",
                  T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "bad_address": Say("BA", "Bad or insufficient address - unable to deliver",
                       T.DELIVERY_FAILED, S.ADDRESS_PROBLEM),
    "return_unclaimed": Say("RT", "Not collected by consignee in time - returned to shipper",
                            T.RETURNING, S.UNCLAIMED),
    "return_address": Say("RT", "Incorrect address - returned to shipper", T.RETURNING,
                          S.ADDRESS_INCORRECT),
}  # fmt: skip

DHL_CUSTOMS: dict[str, Say] = {
    "start": Say("IC", "Clearance processing in progress at {area}", T.IN_TRANSIT,
                 S.CUSTOMS_PROCESSING),
    "held": Say("CD", "Clearance delay - shipment held by customs for inspection", T.EXCEPTION,
                S.HELD_BY_CUSTOMS),
    "info": Say("IC", "Customs clearance: the receiver must provide additional information "
                "(invoice, identity)", T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
    "released": Say("CR", "Clearance processing complete at {area}", T.IN_TRANSIT,
                    S.CUSTOMS_RELEASED),
    "return": Say("RT", "Customs documents not provided - returned to shipper", T.RETURNING,
                  S.CUSTOMS),
}  # fmt: skip

FEDEX: dict[str, Say] = {
    "hub": Say("AR", "Arrived at FedEx location", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "site": Say("AR", "At local FedEx facility", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "out": Say("OD", "On FedEx vehicle for delivery", T.OUT_FOR_DELIVERY),
    "letter_box": Say("DL", "Delivered - Left in mailbox", T.DELIVERED, S.LETTER_BOX),
    "signed": Say("DL", "Delivered - Signed for by {signer}", T.DELIVERED, S.SIGNED),
    "pickup_ready": Say("HP", "Ready for recipient pickup at FedEx location {point}",
                        T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "locker_ready": Say("HP", "Ready for recipient pickup at FedEx locker {point} - access "
                        "code {code}", T.AVAILABLE_FOR_PICKUP, S.LOCKER),
    "office_ready": Say("HL", "At FedEx location for recipient pickup: {office}",
                        T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "collected_pickup": Say("DL", "Delivered - Picked up at FedEx location", T.DELIVERED,
                            S.COLLECTED),
    "collected_locker": Say("DL", "Delivered - Picked up from FedEx locker", T.DELIVERED,
                            S.COLLECTED),
    "collected_office": Say("DL", "Delivered - Picked up at FedEx location", T.DELIVERED,
                            S.COLLECTED),
    "absent": Say("DE", "Delivery exception - Customer not available or business closed",
                  T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "bad_address": Say("DE", "Delivery exception - Incorrect address", T.DELIVERY_FAILED,
                       S.ADDRESS_PROBLEM),
    "return_unclaimed": Say("RS", "Not picked up at hold location - returning package to "
                            "shipper", T.RETURNING, S.UNCLAIMED),
    "return_address": Say("RS", "Incorrect address - returning package to shipper",
                          T.RETURNING, S.ADDRESS_INCORRECT),
}  # fmt: skip

FEDEX_CUSTOMS: dict[str, Say] = {
    "start": Say("CP", "Clearance in progress", T.IN_TRANSIT, S.CUSTOMS_PROCESSING),
    "held": Say("CD", "Clearance delay - held by customs for inspection", T.EXCEPTION,
                S.HELD_BY_CUSTOMS),
    "info": Say("CP", "Clearance in progress - additional information required from the "
                "recipient (invoice, identity)", T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
    "released": Say("CC", "International shipment release - Import", T.IN_TRANSIT,
                    S.CUSTOMS_RELEASED),
    "return": Say("RS", "Clearance documents not received - returning package to shipper",
                  T.RETURNING, S.CUSTOMS),
}  # fmt: skip

UPS: dict[str, Say] = {
    "hub": Say("AR", "Arrived at Facility", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "site": Say("DS", "Destination Scan", T.IN_TRANSIT, S.IN_TRANSIT_OTHER),
    "out": Say("OT", "Out For Delivery Today", T.OUT_FOR_DELIVERY),
    "letter_box": Say("KB", "DELIVERED - Left in mailbox", T.DELIVERED, S.LETTER_BOX),
    "signed": Say("KB", "DELIVERED - Signed by {signer}", T.DELIVERED, S.SIGNED),
    "pickup_ready": Say("ZP", "Delivered to UPS Access Point™ {point}. Awaiting customer "
                        "pickup.", T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT),
    "locker_ready": Say("ZP", "Delivered to UPS Access Point™ locker {point}, pickup code "
                        "{code}. Awaiting customer pickup.", T.AVAILABLE_FOR_PICKUP, S.LOCKER),
    "office_ready": Say("ZP", "Delivered to UPS Access Point™ {office} after a delivery "
                        "attempt. Awaiting customer pickup.", T.AVAILABLE_FOR_PICKUP,
                        S.PICKUP_POINT),
    "collected_pickup": Say("KM", "Picked up by the customer at the UPS Access Point™",
                            T.DELIVERED, S.COLLECTED),
    "collected_locker": Say("KM", "Picked up by the customer from the UPS Access Point™ locker",
                            T.DELIVERED, S.COLLECTED),
    "collected_office": Say("KM", "Picked up by the customer at the UPS Access Point™",
                            T.DELIVERED, S.COLLECTED),
    "absent": Say("48", "The receiver was not available for delivery. A UPS InfoNotice® was "
                  "left.", T.DELIVERY_FAILED, S.RECIPIENT_ABSENT),
    "bad_address": Say("AD", "The address is incorrect or incomplete.", T.DELIVERY_FAILED,
                       S.ADDRESS_PROBLEM),
    "return_unclaimed": Say("RS", "The package was not picked up at the UPS Access Point™ and "
                            "is being returned to the sender.", T.RETURNING, S.UNCLAIMED),
    "return_address": Say("RS", "The address is incorrect. The package is being returned to "
                          "the sender.", T.RETURNING, S.ADDRESS_INCORRECT),
}  # fmt: skip

UPS_CUSTOMS: dict[str, Say] = {
    "start": Say("CR", "Your package is being processed by the clearing agency.", T.IN_TRANSIT,
                 S.CUSTOMS_PROCESSING),
    "held": Say("CH", "Your package is held by the customs agency for inspection.",
                T.EXCEPTION, S.HELD_BY_CUSTOMS),
    "info": Say("CI", "The clearing agency needs additional information (invoice, identity) "
                "from the receiver.", T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED),
    "released": Say("CL", "Your package was released by the clearing agency.", T.IN_TRANSIT,
                    S.CUSTOMS_RELEASED),
    "return": Say("RS", "Customs documents were not provided. The package is being returned "
                  "to the sender.", T.RETURNING, S.CUSTOMS),
}  # fmt: skip

# Buyers' towns: (city, postcode, the La Poste parcel platform serving it).
TOWNS = (
    ("Lyon", "69003", "Saint-Priest"), ("Marseille", "13006", "Vitrolles"),
    ("Toulouse", "31000", "Saint-Jory"), ("Lille", "59000", "Lesquin"),
    ("Nantes", "44000", "Carquefou"), ("Bordeaux", "33000", "Cestas"),
    ("Strasbourg", "67000", "Entzheim"), ("Rennes", "35000", "Le Rheu"),
    ("Montpellier", "34000", "Saint-Jean-de-Védas"), ("Grenoble", "38000", "Moirans"),
    ("Paris", "75011", "Gonesse"), ("Nice", "06000", "Saint-Laurent-du-Var"),
)  # fmt: skip
PICKUP_POINTS = (
    "Tabac Le Balto",
    "Carrefour City",
    "Presse du Marché",
    "Librairie de la Gare",
    "Intermarché Express",
    "Pressing des Halles",
)
LOCKERS = ("Gare", "Hôtel de Ville", "Carrefour Market", "Parking Relais Tram")
OFFICE_QUARTERS = ("Centre", "Gare", "République", "Bourse")
SIGNERS = ("C MARTIN", "L BERNARD", "S PETIT", "A MOREAU", "J DUBOIS", "M LEROY")

# Sellers' cities in China: (city, Chinese name, postcode).
CN_CITIES = (
    ("Shenzhen", "深圳", "518000"), ("Guangzhou", "广州", "510000"), ("Yiwu", "义乌", "322000"),
    ("Dongguan", "东莞", "523000"), ("Hangzhou", "杭州", "310000"),
    ("Shanghai", "上海", "200000"),
)  # fmt: skip
CN_HUBS = ("Guangzhou", "Shenzhen", "Hangzhou", "Yiwu")
CN_AIRPORTS = (("Shenzhen", "CN"), ("Guangzhou", "CN"), ("Shanghai", "CN"), ("Hong Kong", "HK"))
POST_EXCHANGES = (("Guangzhou", "广州"), ("Shanghai", "上海"), ("Beijing", "北京"))
# EU warehouses of the marketplace: (country, city, postcode).
EU_WAREHOUSES = (("ES", "Guadalajara", "19004"), ("PL", "Stryków", "95-010"))
