"""TRK-4, TRK-5, TRK-6, TRK-7 (and CAN-13, PRT-4): what the buyer is told, in French and
English, with the dates that matter.

Numbers go through the real ``detect`` (TRK-4 reads its warnings); events carry the offsets
carriers give (+08:00 China, +01:00 / +02:00 France).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from garant.carriers.numbers import detect
from garant.domain.diagnosis import (
    DeliveredThresholds,
    NotFoundThresholds,
    Sentence,
    StallDiagnosis,
    StallThresholds,
    diagnose_delivered_not_received,
    diagnose_not_found,
    diagnose_return,
    diagnose_stall,
)
from garant.domain.shipment import DeliveryPlace, ShipmentSummary, summarise
from garant.domain.tracking import Location, SubStatus, TrackingEvent, TrackingStatus

T, S = TrackingStatus, SubStatus
CHINA = timezone(timedelta(hours=8))
WINTER = timezone(timedelta(hours=1))
SUMMER = timezone(timedelta(hours=2))
NUMBER, LOCAL = "LX123456785CN", "6A12345678901"
LANE = ("CN", "FR")
PROTECTION_ENDS = datetime(2026, 4, 30, 23, 59, tzinfo=SUMMER)


def ev(
    at: datetime,
    status: TrackingStatus,
    sub: SubStatus = S.NONE,
    *,
    carrier: str = "china_post",
    number: str = NUMBER,
    country: str | None = None,
    city: str | None = None,
    postcode: str | None = None,
    point: str | None = None,
    leg: str | None = None,
) -> TrackingEvent:
    return TrackingEvent(carrier, number, at, status, sub, None, f"{status} {sub}",
                         Location(country, city, postcode, point), leg)  # fmt: skip


def laposte(
    at: datetime, status: TrackingStatus, sub: SubStatus = S.NONE, **kw: str
) -> TrackingEvent:
    return ev(at, status, sub, carrier="laposte", number=LOCAL, country="FR", **kw)


def cn(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CHINA)


def fr(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WINTER if month < 4 else SUMMER)


TO_FRANCE = [
    ev(cn(3, 2, 18), T.INFO_RECEIVED),
    ev(cn(3, 3, 10), T.IN_TRANSIT, S.ACCEPTED, country="CN", city="Shenzhen"),
    ev(cn(3, 4, 23), T.IN_TRANSIT, S.DEPARTED_ORIGIN_COUNTRY, country="CN", city="Guangzhou"),
]
ARRIVED = ev(fr(3, 9, 6, 15), T.IN_TRANSIT, S.ARRIVED_DESTINATION_COUNTRY, country="FR")
CUSTOMS = ev(fr(3, 9, 14, 30), T.IN_TRANSIT, S.CUSTOMS_PROCESSING, country="FR", city="Roissy")
HANDOVER = ev(fr(3, 10, 9, 12), T.IN_TRANSIT, S.HANDED_TO_LAST_MILE, country="FR",
              leg=f"last_mile:laposte:{LOCAL}")  # fmt: skip


def texts(sentences: tuple[Sentence, ...]) -> list[tuple[str, str]]:
    return [(s.code, s.fr) for s in sentences]


# --- TRK-4: not found -----------------------------------------------------------------------

NOW = fr(3, 10, 9, 30)


def test_trk4_failed_check_digit_is_a_probable_typo() -> None:
    # Digits 1 and 2 typed the wrong way round in LX123456785CN.
    found = diagnose_not_found("lx 213456785 cn", detect("lx 213456785 cn"),
                               NOW - timedelta(days=5), NOW)  # fmt: skip
    assert (found.number, found.likely_cause) == ("LX213456785CN", "typo")
    assert found.causes == ("typo", "not_yet_published")  # shipped 5 days ago: not too recent
    assert found.look_again_at == NOW + timedelta(hours=24)
    assert found.explanation[0].fr == (
        "Colis introuvable : vérifiez le numéro de suivi avec celui que le vendeur a indiqué "
        "dans la commande ; même une petite erreur empêche de retrouver le colis. S'il est "
        "exact, revenez le 11/03/2026 à 09:30 (UTC+01:00)."
    )
    check = next(s for s in found.explanation if s.code == "check_digit")
    assert check.fr == (
        "Faute de frappe probable dans le numéro de suivi : le chiffre de contrôle (11e "
        "caractère) devrait être 3, pas 5 (format UPU S10)."
    )
    assert check.en == (
        "Probable typo in the tracking number: the check digit (character 11) should be 3, not "
        "5 (UPU S10 format)."
    )
    swapped = [s.fr for s in found.explanation if s.code == "swapped"]
    assert swapped[0] == (
        "Faute de frappe probable : les chiffres 2 et 1 (caractères 3 et 4) semblent inversés ; "
        "LX123456785CN passe le contrôle UPU S10."
    )
    assert texts(found.advice) == [
        ("contact_seller", "Si rien n'apparaît d'ici le 12/03/2026, contactez le vendeur."),
        ("open_dispute", "À partir du 15/03/2026, vous pourrez ouvrir un litige (protection "
                         "acheteur)."),
    ]  # fmt: skip


def test_trk4_number_matching_no_format_is_a_probable_typo() -> None:
    found = diagnose_not_found("HELLO123", detect("HELLO123"), None, NOW)
    assert found.likely_cause == "typo"
    assert found.causes == ("typo", "not_yet_published", "shipped_too_recently")
    assert found.explanation[1].fr == (
        "Le numéro de suivi HELLO123 ne correspond à aucun format connu (UPU S10, UPS, FedEx, "
        "DHL, USPS, Cainiao, YunExpress, 4PX ou Colissimo) : une faute de frappe est probable."
    )
    assert (found.advice, found.contact_seller_from, found.dispute_from) == ((), None, None)


def test_trk4_s10_number_missing_a_digit_is_a_probable_typo_even_if_another_format_fits() -> None:
    detection = detect("LX12345678CN")
    assert detection.valid  # it fits DHL eCommerce's loose format
    found = diagnose_not_found("LX12345678CN", detection, NOW - timedelta(days=3), NOW)
    assert found.likely_cause == "typo"
    assert found.explanation[1].en == (
        "LX12345678CN looks like a UPU S10 number (2 letters, 9 digits, 2 letters) but has 8 "
        "digits: one is missing or extra."
    )


def test_trk4_shipped_less_than_48_hours_ago_is_too_recent() -> None:
    shipped = NOW - timedelta(hours=20)
    found = diagnose_not_found(NUMBER, detect(NUMBER), shipped, NOW)
    assert found.likely_cause == "shipped_too_recently"
    assert found.causes == ("shipped_too_recently", "not_yet_published", "typo")
    assert found.look_again_at == shipped + timedelta(hours=48) == fr(3, 11, 13, 30)
    assert found.explanation[0].fr == (
        "Colis introuvable pour l'instant : il a été expédié trop récemment (le 09/03/2026) ; "
        "les transporteurs publient le premier scan sous 1 à 3 jours. Revenez le 11/03/2026 à "
        "13:30 (UTC+01:00)."
    )


def test_trk4_otherwise_the_update_is_not_yet_published_look_again_in_24_hours() -> None:
    found = diagnose_not_found(NUMBER, detect(NUMBER), NOW - timedelta(days=3), NOW)
    assert found.likely_cause == "not_yet_published"
    assert found.causes == ("not_yet_published", "typo")
    assert found.look_again_at == fr(3, 11, 9, 30)
    assert found.explanation[0].en == (
        "Parcel not found yet: the carrier has not published the tracking update yet. Look "
        "again on 2026-03-11 at 09:30 (UTC+01:00)."
    )
    assert found.contact_seller_from == NOW + timedelta(days=4)
    assert found.dispute_from == NOW + timedelta(days=7)


def test_trk4_after_7_days_contact_the_seller_after_10_open_a_dispute() -> None:
    week = diagnose_not_found(NUMBER, detect(NUMBER), NOW - timedelta(days=8), NOW)
    assert texts(week.advice) == [
        ("contact_seller", "Aucune information depuis l'expédition du 02/03/2026 : contactez le "
                           "vendeur pour qu'il vérifie le numéro de suivi auprès du transporteur."),
        ("open_dispute", "À partir du 12/03/2026, vous pourrez ouvrir un litige (protection "
                         "acheteur)."),
    ]  # fmt: skip
    late = diagnose_not_found(NUMBER, detect(NUMBER), NOW - timedelta(days=11), NOW)
    assert texts(late.advice) == [
        ("open_dispute", "Toujours rien 11 jours après l'expédition : ouvrez un litige, la "
                         "protection acheteur couvre les colis non reçus."),
    ]  # fmt: skip


def test_trk4_thresholds_are_parameters() -> None:
    slow = NotFoundThresholds(first_scan_hours=72, look_again_hours=12)
    found = diagnose_not_found(NUMBER, detect(NUMBER), NOW - timedelta(hours=60), NOW, slow)
    assert found.likely_cause == "shipped_too_recently"
    assert found.look_again_at == NOW + timedelta(hours=12)


# --- TRK-6: stalled -------------------------------------------------------------------------


def stalled_at(events: list[TrackingEvent], now: datetime, method: str = "aliexpress_standard",
               lane: tuple[str, str] = LANE) -> StallDiagnosis | None:  # fmt: skip
    summary = summarise(events, now)
    return diagnose_stall(summary, lane, method, now, PROTECTION_ENDS, StallThresholds())


def test_trk6_customs_stall_after_seven_days_names_protection_end() -> None:
    events = [*TO_FRANCE, ARRIVED, CUSTOMS]
    summary = summarise(events, fr(3, 16, 15))
    assert (
        diagnose_stall(summary, LANE, "aliexpress_standard", fr(3, 16, 14, 30), PROTECTION_ENDS)
        is None
    )  # exactly seven days: still normal
    now = fr(3, 16, 15)
    found = diagnose_stall(summary, LANE, "aliexpress_standard", now, PROTECTION_ENDS)
    assert found is not None
    assert (found.stage, found.since, found.normal_days) == (
        "customs_processing",
        CUSTOMS.occurred_at,
        7,
    )
    assert found.explanation.fr == (
        "Aucun mouvement depuis le 09/03/2026 (7 jours) : à l'étape « dédouanement », il en faut "
        "d'habitude 7 jours au plus."
    )
    assert found.protection_ends_at == PROTECTION_ENDS == found.act_by
    assert (
        found.protection.fr == "La protection acheteur de cette commande prend fin le 30/04/2026."
    )
    assert found.protection.en == "Buyer protection for this order ends on 2026-04-30."
    assert texts(found.advice) == [
        ("contact_seller", "Contactez le vendeur depuis la commande : il peut ouvrir une enquête "
                           "auprès du transporteur."),
        ("check_local_carrier", "Renseignez-vous auprès du transporteur local avec le numéro de "
                                "suivi LX123456785CN."),
        ("open_dispute", "Si le colis ne bouge toujours pas, ouvrez un litige avant le "
                         "30/04/2026, date de fin de votre protection acheteur."),
    ]  # fmt: skip


def test_trk6_international_transit_norm_depends_on_the_method() -> None:
    departed = TO_FRANCE[-1].occurred_at
    now = departed + timedelta(days=15)
    assert stalled_at(TO_FRANCE, now, "aliexpress_standard") is None  # 20 days for standard
    assert stalled_at(TO_FRANCE, now, "china_post_air_mail") is None
    found = stalled_at(TO_FRANCE, now, "ems")  # 10 days by air
    assert found is not None and found.stage == "international_transit"
    assert stalled_at(TO_FRANCE, departed + timedelta(days=21), "aliexpress_standard") is not None


def test_trk6_within_the_eu_there_is_no_international_leg_to_wait_for() -> None:
    spain = [ev(fr(3, 2, 10), T.IN_TRANSIT, S.ACCEPTED, carrier="correos", country="ES"),
             ev(fr(3, 3, 10), T.IN_TRANSIT, S.IN_TRANSIT_OTHER, carrier="correos")]  # fmt: skip
    found = stalled_at(spain, fr(3, 8, 11), "eu_warehouse", ("ES", "FR"))
    assert found is not None and found.normal_days == 5


def test_trk6_customs_asking_for_information_is_flagged_after_three_days() -> None:
    asked = ev(fr(3, 10, 8), T.IN_TRANSIT, S.CUSTOMS_INFORMATION_REQUIRED, country="FR")
    summary = summarise([*TO_FRANCE, ARRIVED, asked], fr(3, 13, 9))
    found = diagnose_stall(summary, LANE, "ems", fr(3, 13, 9), PROTECTION_ENDS)
    assert found is not None and found.stage == "customs_information_required"
    assert [s.code for s in found.advice] == [
        "contact_seller", "check_local_carrier", "customs_information", "open_dispute",
    ]  # fmt: skip
    assert found.advice[2].fr == (
        "La douane attend des informations ou un paiement (TVA, droits) : suivez l'avis du "
        "transporteur pour débloquer le colis."
    )


def test_trk6_last_mile_stall_names_the_local_carrier_and_number() -> None:
    summary = summarise([*TO_FRANCE, ARRIVED, CUSTOMS, HANDOVER], fr(3, 17, 10))
    assert diagnose_stall(summary, LANE, "ems", fr(3, 17, 9), PROTECTION_ENDS) is None
    found = diagnose_stall(summary, LANE, "ems", fr(3, 17, 10), PROTECTION_ENDS)
    # The handover after customs processing is no clearance: still the customs norm, 7 days.
    assert found is not None and found.stage == "customs_processing"
    assert found.since == HANDOVER.occurred_at
    assert found.advice[1].en == (
        "Check with the local carrier (La Poste) using tracking number 6A12345678901."
    )


def test_trk6_pickup_point_warns_three_days_before_the_parcel_goes_back() -> None:
    notice = laposte(fr(4, 1, 10), T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT, city="Lyon",
                     point="Relais Pickup Tabac du Centre")  # fmt: skip
    reminder = laposte(fr(4, 8, 10), T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT, city="Lyon")
    events = [*TO_FRANCE, ARRIVED, CUSTOMS, HANDOVER, notice, reminder]
    assert stalled_at(events, fr(4, 13, 9)) is None  # day 12 not reached
    found = stalled_at(events, fr(4, 13, 11))
    assert found is not None
    assert (found.stage, found.since, found.normal_days) == (
        "available_for_pickup", notice.occurred_at, 12)  # fmt: skip
    assert found.act_by == fr(4, 16, 10)
    assert found.advice[0].fr == (
        "Retirez le colis au point relais avant le 16/04/2026 : ensuite, il sera retourné à "
        "l'expéditeur."
    )


def test_trk6_lost_parcel_is_flagged_at_once() -> None:
    lost = ev(fr(3, 12, 10), T.EXCEPTION, S.LOST, country="FR")
    found = stalled_at([*TO_FRANCE, ARRIVED, lost], fr(3, 12, 11))
    assert found is not None and found.stage == "lost"
    assert [s.code for s in found.advice] == ["open_dispute"]


def test_trk6_after_protection_ended_a_dispute_remains_possible_for_15_days() -> None:
    now = PROTECTION_ENDS + timedelta(days=3)
    departed = TO_FRANCE[-1]
    summary = summarise(TO_FRANCE, now)
    found = diagnose_stall(summary, LANE, "ems", now, PROTECTION_ENDS)
    assert found is not None and departed.occurred_at == found.since
    assert found.advice[-1].fr == (
        "Votre protection acheteur a pris fin le 30/04/2026 ; un litige reste possible jusqu'au "
        "15/05/2026."
    )


def test_trk6_delivered_or_returned_parcels_are_not_stalled() -> None:
    done = laposte(fr(3, 11, 12), T.DELIVERED, S.LETTER_BOX)
    assert stalled_at([*TO_FRANCE, done], fr(4, 30, 9)) is None
    back = laposte(fr(3, 11, 12), T.RETURNED, S.UNCLAIMED)
    assert stalled_at([*TO_FRANCE, back], fr(4, 30, 9)) is None


# --- TRK-5 / CAN-13: returned -------------------------------------------------------------


def returned(*events: TrackingEvent) -> ShipmentSummary:
    return summarise([*TO_FRANCE, ARRIVED, CUSTOMS, HANDOVER, *events], fr(4, 30, 9))


def test_trk5_returned_for_an_incorrect_address_shows_reason_and_remedies() -> None:
    found = diagnose_return(returned(laposte(fr(3, 12, 9), T.RETURNING, S.ADDRESS_INCORRECT)))
    assert found is not None
    assert (found.code, found.reason, found.remedies) == (
        "returned_to_sender", "address_incorrect", ("reshipment", "refund"))  # fmt: skip
    assert found.explanation.fr == (
        "Votre colis est retourné à l'expéditeur. Adresse incorrecte : une adresse "
        "incompréhensible ou inexacte a empêché la livraison."
    )
    assert texts(found.remedy_sentences) == [
        ("reshipment", "Renvoi : le vendeur vous réexpédie l'article avec un nouveau numéro de "
                       "suivi."),
        ("refund", "Remboursement : ouvrez un litige pour être remboursé (protection acheteur)."),
    ]  # fmt: skip
    assert [s.code for s in found.advice] == ["fix_address"]


def test_trk5_reason_read_from_the_events_before_an_unexplained_return() -> None:
    failed = laposte(fr(3, 11, 12), T.DELIVERY_FAILED, S.RECIPIENT_ABSENT)
    back = laposte(fr(3, 25, 9), T.RETURNED, S.RETURNED_OTHER)
    found = diagnose_return(returned(failed, back))
    assert found is not None and found.reason == "delivery_attempts_failed"
    notice = laposte(fr(3, 12, 9), T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT)
    found = diagnose_return(returned(failed, notice, back))
    assert found is not None and found.reason == "unclaimed_at_pickup_point"
    assert found.explanation.en == (
        "Your parcel is being returned to the sender. Unclaimed: it was not collected in time "
        "at the pickup point or post office."
    )


def test_trk5_customs_documents_missing() -> None:
    found = diagnose_return(returned(ev(fr(3, 20, 9), T.RETURNED, S.CUSTOMS, country="FR")))
    assert found is not None and found.reason == "customs_documents"
    assert [s.code for s in found.advice] == ["customs_papers"]


def test_can13_envoi_annule_is_the_sellers_responsibility_with_the_same_remedies() -> None:
    expired = ev(cn(3, 20, 0), T.EXPIRED)
    found = diagnose_return(summarise([TO_FRANCE[0], expired], cn(3, 21, 9)))
    assert found is not None
    assert (found.code, found.reason) == ("shipment_cancelled", "never_collected_by_carrier")
    assert found.explanation.fr == (
        "Envoi annulé : le transporteur n'est jamais venu chercher le colis chez le vendeur. Ce "
        "n'est pas de votre fait : le vendeur en est responsable."
    )
    assert found.remedies == ("reshipment", "refund")


def test_trk5_parcel_still_travelling_has_no_return_diagnosis() -> None:
    assert diagnose_return(summarise(TO_FRANCE, fr(3, 10, 9))) is None


# --- TRK-7: delivered but not received ----------------------------------------------------

DELIVERED_AT = fr(4, 14, 11, 2)


def test_trk7_letter_box_delivery_says_where() -> None:
    out = laposte(fr(4, 14, 7, 45), T.OUT_FOR_DELIVERY, city="Lyon", postcode="69003")
    done = laposte(DELIVERED_AT, T.DELIVERED, S.LETTER_BOX, city="Lyon", postcode="69003")
    found = diagnose_delivered_not_received(summarise([*TO_FRANCE, HANDOVER, out, done],
                                                      fr(4, 20, 9)))  # fmt: skip
    assert found is not None
    assert found.place == DeliveryPlace("letter_box", "Lyon", "69003", None, "FR")
    assert found.where.fr == "Livré dans la boîte aux lettres le 14/04/2026 (69003 Lyon)."
    assert found.where.en == "Delivered to the letter box on 2026-04-14 (69003 Lyon)."
    assert found.dispute_until == DELIVERED_AT + timedelta(days=15) == fr(4, 29, 11, 2)
    assert found.proof_request_until == fr(4, 21, 11, 2)
    assert texts(found.advice) == [
        ("check_around", "Vérifiez votre boîte aux lettres et demandez à vos voisins et aux "
                         "personnes de votre foyer s'ils ont reçu le colis."),
        ("proof_of_delivery", "Demandez au transporteur la preuve de livraison (signature, "
                              "photo, géolocalisation) avant le 21/04/2026."),
        ("open_dispute", "Vous pouvez ouvrir un litige jusqu'au 29/04/2026 (15 jours après la "
                         "livraison) en joignant vos preuves : capture d'écran du suivi, "
                         "réponse du transporteur."),
    ]  # fmt: skip


def test_trk7_collected_at_a_pickup_point_names_the_point() -> None:
    notice = laposte(fr(4, 10, 9), T.AVAILABLE_FOR_PICKUP, S.PICKUP_POINT, city="Lyon",
                     postcode="69007", point="Relais Pickup Tabac du Centre")  # fmt: skip
    taken = laposte(DELIVERED_AT, T.DELIVERED, S.COLLECTED)  # the scan has no place of its own
    found = diagnose_delivered_not_received(summarise([*TO_FRANCE, notice, taken], fr(4, 15, 9)))
    assert found is not None
    assert found.place.kind == "pickup_point"
    assert found.where.fr == (
        "Retiré au point relais le 14/04/2026 (Relais Pickup Tabac du Centre, 69007 Lyon)."
    )
    assert found.advice[0].code == "ask_point"


def test_trk7_collected_from_a_locker() -> None:
    notice = laposte(fr(4, 10, 9), T.AVAILABLE_FOR_PICKUP, S.LOCKER, city="Lille")
    taken = laposte(DELIVERED_AT, T.DELIVERED, S.COLLECTED, city="Lille")
    found = diagnose_delivered_not_received(summarise([*TO_FRANCE, notice, taken], fr(4, 15, 9)))
    assert found is not None and found.place.kind == "locker"
    assert found.where.en == "Collected from the parcel locker on 2026-04-14 (Lille)."


def test_trk7_dispute_window_is_a_parameter_and_needs_a_delivery() -> None:
    done = laposte(DELIVERED_AT, T.DELIVERED, S.SIGNED, city="Lyon")
    summary = summarise([*TO_FRANCE, done], fr(4, 15, 9))
    found = diagnose_delivered_not_received(summary, DeliveredThresholds(20, 3))
    assert found is not None
    assert (found.dispute_until, found.proof_request_until) == (
        DELIVERED_AT + timedelta(days=20), DELIVERED_AT + timedelta(days=3))  # fmt: skip
    assert found.where.fr == "Remis contre signature le 14/04/2026 (Lyon)."
    assert diagnose_delivered_not_received(summarise(TO_FRANCE, fr(4, 15, 9))) is None
