"""What a buyer is told when tracking goes wrong (TRK-4, TRK-5, TRK-6, TRK-7).

Each diagnosis carries machine codes and sentences in French (the seeds' words: "colis
introuvable", "faute de frappe", "retourné à l'expéditeur", "litige"…) and English, with the
dates that matter; the sentences themselves live in ``diagnosis_texts``. Dates are written in
the zone of the datetime given (the buyer's, when the caller passes it so): French as
05/03/2026, English as 2026-03-05. Every duration is a field of a frozen thresholds object with
a default, so the project's policy can carry it later.

Pure domain: no I/O, no clock (``now`` is an argument).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from garant.domain.delivery import EU_CUSTOMS_UNION
from garant.domain.diagnosis_texts import CARRIER_NAMES, PLACES, REASONS, STAGES, TEXTS
from garant.domain.shipment import (
    CUSTOMS_SENT_BACK,
    DeliveryPlace,
    ShipmentSummary,
    delivery_place,
)
from garant.domain.tracking import SubStatus, TrackingStatus


@dataclass(frozen=True)
class Sentence:
    code: str
    fr: str
    en: str


def _date(moment: datetime) -> tuple[str, str]:
    return f"{moment:%d/%m/%Y}", moment.date().isoformat()


def _instant(moment: datetime) -> tuple[str, str]:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    zone = f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    fr, en = _date(moment)
    return f"{fr} à {moment:%H:%M} ({zone})", f"{en} at {moment:%H:%M} ({zone})"


def _say(code: str, text: str | None = None, **values: str | tuple[str, str]) -> Sentence:
    fr, en = TEXTS[text or code]

    def pick(lang: int) -> dict[str, str]:
        return {k: v if isinstance(v, str) else v[lang] for k, v in values.items()}

    return Sentence(code, fr.format(**pick(0)), en.format(**pick(1)))


# --- TRK-4: not found ---------------------------------------------------------------------


class DetectionLike(Protocol):
    """What ``garant.carriers.numbers.Detection`` offers; the domain imports no other layer."""

    @property
    def number(self) -> str: ...
    @property
    def valid(self) -> bool: ...
    @property
    def warnings(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class NotFoundThresholds:
    first_scan_hours: int = 48  # carriers publish the first scan within 1-3 days
    look_again_hours: int = 24
    contact_seller_after_days: int = 7
    dispute_after_days: int = 10


DEFAULT_NOT_FOUND = NotFoundThresholds()
TYPO, NOT_YET_PUBLISHED, TOO_RECENT = "typo", "not_yet_published", "shipped_too_recently"


@dataclass(frozen=True)
class NotFoundDiagnosis:
    number: str
    likely_cause: str  # typo, not_yet_published, shipped_too_recently
    causes: tuple[str, ...]  # every cause still possible, most likely first
    explanation: tuple[Sentence, ...]  # the likely cause, then what points at a typo
    look_again_at: datetime
    advice: tuple[Sentence, ...]
    contact_seller_from: datetime | None
    dispute_from: datetime | None
    code: str = "not_found"


# The English warnings of ``carriers.numbers.detect``, read back into facts for both languages.
_CHECK = re.compile(r"check digit(?: \(character (\d+)\))? should be (\d+), not (\S) \((.+)\)$")
_LOOK = re.compile(r"the (?:letter|digit) (\S) at character (\d+) is probably the (letter|digit) "
                   r"(\S); (\S+) would be a valid (.+) number$")  # fmt: skip
_SWAP = re.compile(r"digits (\d) and (\d) \(characters (\d+)-(\d+)\) may be swapped; (\S+) "
                   r"passes the (.+) check digit$")  # fmt: skip
_S10_COUNTRY = re.compile(r"(\S+) has the UPU S10 shape but (\S+) is not a country code")
_UNKNOWN = re.compile(r"not a known tracking number format: .* matches none of (.+)$")
_S10_LIKE = re.compile(r"[A-Z]{2}(\d{7,11})[A-Z]{2}")


def _typo_sentences(detection: DetectionLike) -> list[Sentence]:
    number, found = detection.number, []
    for warning in detection.warnings:
        if m := _CHECK.search(warning):
            pos = m[1] or str(len(number))
            found.append(_say("check_digit", pos=pos, expected=m[2], actual=m[3], label=m[4]))
        elif m := _LOOK.search(warning):
            other = ((f"la lettre {m[4]}", f"the letter {m[4]}") if m[3] == "letter"
                     else (f"le chiffre {m[4]}", f"the digit {m[4]}"))  # fmt: skip
            found.append(_say("lookalike", pos=m[2], char=m[1], other=other, fixed=m[5],
                              label=m[6]))  # fmt: skip
        elif m := _SWAP.search(warning):
            found.append(_say("swapped", a=m[1], b=m[2], i=m[3], j=m[4], fixed=m[5], label=m[6]))
        elif m := _S10_COUNTRY.search(warning):
            found.append(_say("s10_country", number=m[1], country=m[2]))
        elif m := _UNKNOWN.search(warning):
            known = (m[1].replace(" or ", " ou "), m[1])
            found.append(_say("no_format", number=number, known=known))
        else:
            found.append(_say("typo_other", warning=warning.removeprefix("probable typo: ")))
    s10 = _S10_LIKE.fullmatch(number)
    if s10 is not None and len(s10[1]) != 9:
        found.append(_say("s10_length", number=number, digits=str(len(s10[1]))))
    return found


def diagnose_not_found(
    number: str,
    detection: DetectionLike,
    shipped_at: datetime | None,
    now: datetime,
    thresholds: NotFoundThresholds = DEFAULT_NOT_FOUND,
) -> NotFoundDiagnosis:
    """TRK-4: which of the three causes is likely, and when to look again.

    A typo when the number fits no format or fails its check digit (or is an S10 number with a
    digit missing); too recent when shipped less than ``first_scan_hours`` ago; otherwise an
    update not yet published. After ``contact_seller_after_days`` without any event the buyer
    is sent to the seller, after ``dispute_after_days`` to a dispute.
    """
    found = _typo_sentences(detection)
    # A valid number can still miss a digit: an S10 with 8 digits may fit another format.
    typos = found if not detection.valid else [s for s in found if s.code == "s10_length"]
    typo = not detection.valid or bool(typos)
    due = timedelta(hours=thresholds.first_scan_hours)
    first_scan = None if shipped_at is None else shipped_at + due
    recent = first_scan is not None and now < first_scan
    causes = [TYPO] if typo else []
    causes += [TOO_RECENT] if recent else []
    causes += [NOT_YET_PUBLISHED] + ([TOO_RECENT] if shipped_at is None else [])
    causes += [] if typo else [TYPO]
    likely = causes[0]
    if likely == TOO_RECENT and shipped_at is not None and first_scan is not None:
        look_again = first_scan  # when the first scan is due
        head = _say(TOO_RECENT, shipped=_date(shipped_at), again=_instant(look_again))
    else:
        look_again = now + timedelta(hours=thresholds.look_again_hours)
        head = _say(likely, again=_instant(look_again))
    advice, contact_from, dispute_from = [], None, None
    if shipped_at is not None:
        contact_from = shipped_at + timedelta(days=thresholds.contact_seller_after_days)
        dispute_from = shipped_at + timedelta(days=thresholds.dispute_after_days)
        if now >= dispute_from:
            days = str((now - shipped_at).days)
            advice.append(_say("open_dispute", "dispute_now", days=days))
        else:
            if now >= contact_from:
                advice.append(_say("contact_seller", shipped=_date(shipped_at)))
            else:
                when = _date(contact_from)
                advice.append(_say("contact_seller", "contact_seller_from", when=when))
            advice.append(_say("open_dispute", "dispute_from", when=_date(dispute_from)))
    return NotFoundDiagnosis(
        number=detection.number or number,
        likely_cause=likely,
        causes=tuple(causes),
        explanation=(head, *typos),
        look_again_at=look_again,
        advice=tuple(advice),
        contact_seller_from=contact_from,
        dispute_from=dispute_from,
    )


# --- TRK-6: stalled -----------------------------------------------------------------------


@dataclass(frozen=True)
class StallThresholds:
    """Days without movement that are still normal, per stage (calendar days: the thresholds
    are generous enough that weekends do not matter)."""

    before_departure_days: int = 5  # shipped, info received, accepted by the carrier
    transit_air_days: int = 10  # departed origin → arrival
    transit_standard_days: int = 20
    standard_methods: frozenset[str] = frozenset({"aliexpress_standard", "china_post_air_mail"})
    transit_within_eu_days: int = 5  # EU warehouse to an EU buyer: no international leg
    customs_processing_days: int = 7
    customs_information_days: int = 3
    last_mile_days: int = 5
    out_for_delivery_days: int = 2
    pickup_keep_days: int = 15  # how long a pickup point keeps a parcel
    pickup_warn_days_before: int = 3
    dispute_after_protection_days: int = 15  # PRT-4
    customs_union: frozenset[str] = EU_CUSTOMS_UNION


DEFAULT_STALL = StallThresholds()

_LOCAL = frozenset(set(STAGES) - {"before_departure", "international_transit", "lost"})


@dataclass(frozen=True)
class StallDiagnosis:
    stage: str
    since: datetime
    normal_days: int
    explanation: Sentence
    advice: tuple[Sentence, ...]
    protection_ends_at: datetime
    protection: Sentence  # names the protection end date
    act_by: datetime  # protection end, or the day a pickup point sends the parcel back
    code: str = "stalled"


def _stage(
    summary: ShipmentSummary, customs: bool, slow: bool, t: StallThresholds
) -> tuple[str, int] | None:
    code, sub = summary.buyer_status, summary.sub_status
    if code in ("delivered", "returned_to_sender") or summary.cancellation is not None:
        return None
    if sub is SubStatus.LOST:
        return "lost", 0
    if code in ("shipped", "carrier_accepted"):
        return "before_departure", t.before_departure_days
    if code == "international_transit":
        days = t.transit_standard_days if slow else t.transit_air_days
        return "international_transit", days if customs else t.transit_within_eu_days
    if code == "arrived_destination_country":
        if customs and sub is not SubStatus.HANDED_TO_LAST_MILE:
            return "awaiting_customs", t.customs_processing_days
        return "last_mile", t.last_mile_days
    if code == "customs_clearance":
        if sub is SubStatus.CUSTOMS_INFORMATION_REQUIRED:
            return "customs_information_required", t.customs_information_days
        return "customs_processing", t.customs_processing_days
    if code == "out_for_delivery":
        return "out_for_delivery", t.out_for_delivery_days
    if code == "available_for_pickup":
        return "available_for_pickup", t.pickup_keep_days - t.pickup_warn_days_before
    return "last_mile", t.last_mile_days  # customs cleared, or after a failed attempt


def _pickup_since(summary: ShipmentSummary) -> datetime:
    # The keeping period starts at the first notice since the last delivery attempt.
    since = summary.current.occurred_at
    for event in summary.events:
        if event.status is TrackingStatus.AVAILABLE_FOR_PICKUP:
            since = event.occurred_at
        elif event.status in (TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.DELIVERY_FAILED):
            break
    return since


def diagnose_stall(
    summary: ShipmentSummary,
    lane: tuple[str, str],
    shipping_method: str,
    now: datetime,
    protection_ends_at: datetime,
    thresholds: StallThresholds = DEFAULT_STALL,
) -> StallDiagnosis | None:
    """TRK-6: None while the parcel moves as usual for its stage and lane (origin,
    destination); else what to do and by when the protection window closes."""
    origin, destination = (country.upper() for country in lane)
    union = thresholds.customs_union
    customs = origin != destination and not (origin in union and destination in union)
    found = _stage(summary, customs, shipping_method in thresholds.standard_methods, thresholds)
    if found is None:
        return None
    stage, normal = found
    pickup = stage == "available_for_pickup"
    since = _pickup_since(summary) if pickup else summary.last_event_at
    if stage != "lost" and now - since <= timedelta(days=normal):
        return None
    normal_text = (f"{normal} jours", f"{normal} days")
    explanation = _say("stalled", since=_date(since), days=str((now - since).days),
                       stage=STAGES[stage], normal=normal_text)  # fmt: skip
    advice = [_say("contact_seller", "stall_contact_seller")]
    act_by = protection_ends_at
    if stage == "lost":  # no waiting: the carrier itself says it will never arrive
        explanation, advice = _say("lost"), []
    if stage in _LOCAL:
        advice.append(_local_carrier(summary))
    if stage == "customs_information_required":
        advice.append(_say("customs_information"))
    if pickup:
        act_by = since + timedelta(days=thresholds.pickup_keep_days)
        advice.insert(0, _say("collect_by", when=_date(act_by)))
    advice.append(_dispute_advice(protection_ends_at, now, thresholds))
    return StallDiagnosis(
        stage=stage,
        since=since,
        normal_days=normal,
        explanation=explanation,
        advice=tuple(advice),
        protection_ends_at=protection_ends_at,
        protection=_say("protection", when=_date(protection_ends_at)),
        act_by=act_by,
    )


def _local_carrier(summary: ShipmentSummary) -> Sentence:
    # The number the local carrier knows (TRK-3); without a handover, the current carrier is
    # the local one only when it is not the carrier the parcel started with.
    if summary.handovers:
        carrier, number = summary.handovers[-1]
    else:
        current = summary.current
        first = summary.chronological[0].carrier
        carrier, number = (current.carrier if current.carrier != first else None,
                           current.tracking_number)  # fmt: skip
    name = CARRIER_NAMES.get(carrier or "", carrier)
    named = (f" ({name})", f" ({name})") if name else ("", "")
    return _say("check_local_carrier", carrier=named, number=number)


def _dispute_advice(ends: datetime, now: datetime, t: StallThresholds) -> Sentence:
    # PRT-4: a parcel that never arrived may still be disputed for a while after protection.
    if now <= ends:
        return _say("open_dispute", "dispute_before", when=_date(ends))
    last = ends + timedelta(days=t.dispute_after_protection_days)
    text = "dispute_late" if now <= last else "dispute_closed"
    return _say("open_dispute", text, ended=_date(ends), when=_date(last))


# --- TRK-5 / CAN-13: returned, or "envoi annulé" ------------------------------------------


@dataclass(frozen=True)
class ReturnDiagnosis:
    code: str  # returned_to_sender, or shipment_cancelled (CAN-13)
    reason: str
    explanation: Sentence
    remedies: tuple[str, ...]  # reshipment, refund: the buyer chooses
    remedy_sentences: tuple[Sentence, ...]
    advice: tuple[Sentence, ...] = field(default_factory=tuple)


def diagnose_return(summary: ShipmentSummary) -> ReturnDiagnosis | None:
    """TRK-5 (and CAN-13): why the parcel went back, and the buyer's two remedies."""
    if summary.cancellation is not None:
        code, reason = "shipment_cancelled", summary.cancellation
    elif summary.buyer_status == "returned_to_sender":
        code, reason = "returned_to_sender", summary.return_reason or "unknown"
    else:
        return None
    advice = []
    if reason == "address_incorrect":
        advice.append(_say("fix_address"))
    elif reason in ("customs_documents", CUSTOMS_SENT_BACK):
        advice.append(_say("customs_papers"))
    return ReturnDiagnosis(
        code=code,
        reason=reason,
        explanation=_say(code, why=REASONS[reason]),
        remedies=("reshipment", "refund"),
        remedy_sentences=(_say("reshipment"), _say("refund")),
        advice=tuple(advice),
    )


# --- TRK-7: delivered but not received ----------------------------------------------------


@dataclass(frozen=True)
class DeliveredThresholds:
    dispute_after_delivery_days: int = 15  # PRT-4
    # Garant's choice: carriers keep the delivery record (signature, photo) for a short time.
    proof_request_days: int = 7


DEFAULT_DELIVERED = DeliveredThresholds()


@dataclass(frozen=True)
class DeliveredDiagnosis:
    delivered_at: datetime
    place: DeliveryPlace
    where: Sentence
    advice: tuple[Sentence, ...]
    proof_request_until: datetime
    dispute_until: datetime
    code: str = "delivered_not_received"


def diagnose_delivered_not_received(
    summary: ShipmentSummary, thresholds: DeliveredThresholds = DEFAULT_DELIVERED
) -> DeliveredDiagnosis | None:
    """TRK-7: where the carrier says it delivered, what to check, and the PRT-4 dispute date."""
    place = delivery_place(summary)
    if place is None or summary.delivered_at is None:
        return None
    delivered = summary.delivered_at
    parts = [place.point, " ".join(p for p in (place.postcode, place.city) if p)]
    at = ", ".join(p for p in parts if p)
    where = _say(place.kind, "delivered_at", what=PLACES[place.kind], on=_date(delivered),
                 at=f" ({at})" if at else "")  # fmt: skip
    proof_until = delivered + timedelta(days=thresholds.proof_request_days)
    dispute_until = delivered + timedelta(days=thresholds.dispute_after_delivery_days)
    advice = [_say("ask_point") if place.kind in ("pickup_point", "locker")
              else _say("check_around")]  # fmt: skip
    advice.append(_say("proof_of_delivery", when=_date(proof_until)))
    advice.append(_say("open_dispute", "dispute_with_proof", when=_date(dispute_until),
                       days=str(thresholds.dispute_after_delivery_days)))  # fmt: skip
    return DeliveredDiagnosis(
        delivered_at=delivered,
        place=place,
        where=where,
        advice=tuple(advice),
        proof_request_until=proof_until,
        dispute_until=dispute_until,
    )
