"""Shipping methods (SHP-1), delivery estimates (TRK-8) and the landed cost (SHP-3).

Pure domain: no clock, no I/O; every date is an argument and every duration comes from a
``DeliveryWindows`` (embedded in the versioned policy; defaults in ``DEFAULT_DELIVERY_WINDOWS``).

How an estimate is built before the parcel reaches the destination country (each step is a
``BasisNote`` with a code and a French and English sentence):
1. ``handling``: from the order date, the seller ships after ``min_handling_days`` (earliest)
   up to ``handling_days`` (latest) business days of the origin country. Skipped when
   ``shipped_at`` is known (``shipped``).
2. ``method_window``: the method's window (SHP-1), in business days of every country crossed
   (origin, transit, destination) or in calendar days, as the method says.
3. ``customs``: the customs window (2-7 business days by default) of the destination country
   when the parcel crosses a customs border (China into the EU); ``no_customs`` otherwise.
4. ``peak_*``: a peak period (Chinese New Year, Singles' Day backlog, year-end holidays) that
   overlaps the journey adds its slowdown: the minimum to the earliest date when the peak starts
   before it, the maximum to the latest date. Chinese New Year does not slow EU warehouses.
   Public holidays inside a peak are counted too: a closed office and a backlog are two delays.
5. Dates that fall on a weekend or holiday of the destination move to its next business day.
6. ``holidays_crossed``: the weekday holidays that lengthened a business-day count.
The windows of seed 003 are door-to-door averages; adding the components keeps the estimate on
the late side, which is the side a buyer can plan on.

Revision as events arrive (``TrackingProgress``, the most advanced milestone so far):
- still before the destination: the estimate above, but never earlier than the latest event
  (``after_latest_event``);
- arrived in the destination country, customs pending: customs window (when customs applies)
  plus the last-mile window, in destination business days from the event date;
- customs cleared or handed to the last-mile carrier: the last-mile window only;
- out for delivery, failed attempt: their own short windows; available for pickup: the event
  date; delivered: the delivery date, both bounds;
- returning, returned, lost: no estimate (``DeliveryEstimateUnavailable``).
After arrival only peaks marked ``affects_last_mile`` (year-end) still apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType

from garant.domain.business_days import (
    add_business_days,
    chinese_new_year,
    holidays_between,
    roll_forward,
)
from garant.domain.errors import DomainError, InvalidInput
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus


class DayCount(StrEnum):
    BUSINESS = "business"
    CALENDAR = "calendar"


class Origin(StrEnum):
    CN = "CN"
    EU_WAREHOUSE = "eu_warehouse"


@dataclass(frozen=True)
class Window:
    min_days: int
    max_days: int
    unit: DayCount = DayCount.BUSINESS

    def __post_init__(self) -> None:
        if not 0 <= self.min_days <= self.max_days:
            raise ValueError(f"window must satisfy 0 <= min <= max, got {self}")


@dataclass(frozen=True)
class CostRule:
    """What shipping costs the buyer (SHP-1); no field set means the seller's price."""

    free: bool = False
    free_from_eur: Decimal | None = None  # free once the qualifying items reach this amount
    from_eur: Decimal | None = None
    to_eur: Decimal | None = None
    open_ended: bool = False  # "and more": to_eur is typical, not a cap

    def ships_free(self, qualifying_items_eur: Decimal) -> bool:
        return self.free or (
            self.free_from_eur is not None and qualifying_items_eur >= self.free_from_eur
        )


@dataclass(frozen=True)
class ShippingMethod:
    slug: str
    name_fr: str
    name_en: str
    window: Window
    origin: Origin
    cost: CostRule = CostRule()


_EXPRESS_COST = CostRule(from_eur=Decimal(20), to_eur=Decimal(60), open_ended=True)
SHIPPING_METHODS: tuple[ShippingMethod, ...] = (
    ShippingMethod(
        "eu_warehouse", "Entrepôt européen", "EU warehouse", Window(3, 10), Origin.EU_WAREHOUSE
    ),
    ShippingMethod(
        "aliexpress_choice",
        "AliExpress Choice",
        "AliExpress Choice",
        Window(9, 15, DayCount.CALENDAR),
        Origin.CN,
        CostRule(free_from_eur=Decimal(10)),
    ),
    ShippingMethod(
        "aliexpress_standard",
        "AliExpress Standard Shipping",
        "AliExpress Standard Shipping",
        Window(15, 45, DayCount.CALENDAR),
        Origin.CN,
        CostRule(free=True),
    ),
    ShippingMethod(
        "china_post_air_mail",
        "China Post courrier aérien",
        "China Post Air Mail",
        Window(15, 34, DayCount.CALENDAR),
        Origin.CN,
    ),
    ShippingMethod(
        "ems",
        "EMS Express",
        "EMS Express",
        Window(7, 15, DayCount.CALENDAR),
        Origin.CN,
        CostRule(from_eur=Decimal(5), to_eur=Decimal(20)),
    ),
    ShippingMethod("dhl", "DHL Express", "DHL Express", Window(3, 7), Origin.CN, _EXPRESS_COST),
    ShippingMethod("fedex", "FedEx", "FedEx", Window(3, 7), Origin.CN, _EXPRESS_COST),
    ShippingMethod("ups", "UPS", "UPS", Window(3, 7), Origin.CN, _EXPRESS_COST),
)


class PeakKind(StrEnum):
    CHINESE_NEW_YEAR = "chinese_new_year"
    SINGLES_DAY = "singles_day"
    YEAR_END = "year_end"


_PEAK_NAMES = {
    PeakKind.CHINESE_NEW_YEAR: ("Nouvel An chinois", "Chinese New Year"),
    PeakKind.SINGLES_DAY: ("Singles' Day du 11 novembre", "11 November Singles' Day"),
    PeakKind.YEAR_END: ("fêtes de fin d'année", "year-end holidays"),
}


@dataclass(frozen=True)
class PeakPeriod:
    """A yearly period that slows parcels, around an anchor day (CNY, 11 Nov, 25 Dec)."""

    kind: PeakKind
    days_before: int
    days_after: int
    slowdown: Window
    affects_eu_warehouse: bool
    affects_last_mile: bool

    def anchor(self, year: int) -> date:
        if self.kind is PeakKind.CHINESE_NEW_YEAR:
            return chinese_new_year(year)
        return date(year, 11, 11) if self.kind is PeakKind.SINGLES_DAY else date(year, 12, 25)

    def span(self, year: int) -> tuple[date, date]:
        anchor = self.anchor(year)
        return anchor - timedelta(self.days_before), anchor + timedelta(self.days_after)


EU_CUSTOMS_UNION = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)


@dataclass(frozen=True)
class DeliveryWindows:
    """Every duration of TRK-8 / SHP-1; the seed gives no peak figures, those are Garant's."""

    methods: tuple[ShippingMethod, ...] = SHIPPING_METHODS
    min_handling_days: int = 1
    customs: Window = Window(2, 7)
    last_mile: Window = Window(1, 4)
    out_for_delivery: Window = Window(0, 1)
    after_failed_attempt: Window = Window(1, 3)
    peaks: tuple[PeakPeriod, ...] = (
        # Factories and carriers close for the festival and reopen around the Lantern Festival.
        PeakPeriod(
            PeakKind.CHINESE_NEW_YEAR,
            7,
            15,
            Window(5, 15, DayCount.CALENDAR),
            affects_eu_warehouse=False,
            affects_last_mile=False,
        ),
        PeakPeriod(
            PeakKind.SINGLES_DAY,
            0,
            10,
            Window(2, 5, DayCount.CALENDAR),
            affects_eu_warehouse=True,
            affects_last_mile=False,
        ),
        PeakPeriod(
            PeakKind.YEAR_END,
            10,
            11,
            Window(2, 7, DayCount.CALENDAR),
            affects_eu_warehouse=True,
            affects_last_mile=True,
        ),
    )
    customs_union: frozenset[str] = EU_CUSTOMS_UNION

    def method(self, slug: str) -> ShippingMethod:
        for method in self.methods:
            if method.slug == slug:
                return method
        known = ", ".join(m.slug for m in self.methods)
        raise InvalidInput(f"unknown shipping method '{slug}' (known: {known})", field="method")


DEFAULT_DELIVERY_WINDOWS = DeliveryWindows()


@dataclass(frozen=True)
class BasisNote:
    code: str
    fr: str
    en: str


@dataclass(frozen=True)
class DeliveryEstimate:
    earliest: date
    latest: date
    notes: tuple[BasisNote, ...]

    @property
    def basis(self) -> list[str]:
        return [note.code for note in self.notes]

    @property
    def basis_fr(self) -> list[str]:
        return [note.fr for note in self.notes]

    @property
    def basis_en(self) -> list[str]:
        return [note.en for note in self.notes]


class DeliveryEstimateUnavailable(DomainError):
    """The parcel is going back or is lost: there is no delivery date to promise."""

    code = "delivery_estimate_unavailable"


_ARRIVED = frozenset(
    {
        SubStatus.ARRIVED_DESTINATION_COUNTRY,
        SubStatus.CUSTOMS_PROCESSING,
        SubStatus.CUSTOMS_INFORMATION_REQUIRED,
    }
)
_CLEARED = frozenset({SubStatus.CUSTOMS_RELEASED, SubStatus.HANDED_TO_LAST_MILE})
_LAST_MILE = frozenset(
    {
        TrackingStatus.OUT_FOR_DELIVERY,
        TrackingStatus.DELIVERY_FAILED,
        TrackingStatus.AVAILABLE_FOR_PICKUP,
    }
)
_GONE = frozenset({TrackingStatus.RETURNING, TrackingStatus.RETURNED})


def _stage(status: TrackingStatus, sub_status: SubStatus) -> int:
    if status in _GONE or sub_status is SubStatus.LOST:
        return 5
    if status is TrackingStatus.DELIVERED:
        return 4
    if status in _LAST_MILE:
        return 3
    if sub_status in _CLEARED:
        return 2
    if sub_status in _ARRIVED or sub_status is SubStatus.HELD_BY_CUSTOMS:
        return 1
    return 0


@dataclass(frozen=True)
class TrackingProgress:
    """The milestone an estimate is revised from: a normalised status and its instant."""

    status: TrackingStatus
    sub_status: SubStatus
    at: datetime  # timezone-aware; its own offset gives the local date of the event

    @classmethod
    def from_event(cls, event: TrackingEvent) -> TrackingProgress:
        return cls(event.status, event.sub_status, event.occurred_at)

    @classmethod
    def from_events(cls, events: Iterable[TrackingEvent]) -> TrackingProgress | None:
        """The most advanced milestone, the latest one among equals.

        A hub scan after customs clearance must not send the estimate back to "in transit".
        """
        best = max(
            events, key=lambda e: (_stage(e.status, e.sub_status), e.occurred_at), default=None
        )
        return None if best is None else cls.from_event(best)


# Buyer-facing sentences in one place. Placeholders take a date, a Window, a (fr, en) pair or
# plain text; ``_render`` writes each in the language's own form.
_TEXTS: dict[str, tuple[str, str]] = {
    "shipped": ("Expédié le {on}.", "Shipped on {on}."),
    "handling": (
        "Préparation par le vendeur ({country}) : {days} après la commande du {on}.",
        "Seller handling time ({country}): {days} after the order of {on}.",
    ),
    "method_window": ("Acheminement {name} : {days}.", "{name} transit: {days}."),
    "customs": ("Dédouanement ({country}) : {days}.", "Customs clearance ({country}): {days}."),
    "no_customs": (
        "Pas de dédouanement : le colis ne franchit aucune frontière douanière.",
        "No customs clearance: the parcel crosses no customs border.",
    ),
    "peak": (
        "Période de forte activité ({name}, {on}) : {days} de plus.",
        "Peak period ({name}, {on}): {days} more.",
    ),
    "after_latest_event": (
        "Le colis était encore en route le {on}.",
        "The parcel was still on its way on {on}.",
    ),
    "arrived_destination": (
        "Arrivé dans le pays de destination le {on}.",
        "Arrived in the destination country on {on}.",
    ),
    "customs_cleared": ("Dédouané le {on}.", "Cleared customs on {on}."),
    "last_mile": (
        "Livraison dans le pays de destination : {days}.",
        "Delivery in the destination country: {days}.",
    ),
    "out_for_delivery": (
        "En cours de livraison depuis le {on} : {days}.",
        "Out for delivery since {on}: {days}.",
    ),
    "delivery_failed": (
        "Tentative de livraison échouée le {on} ; nouvelle tentative ou point de retrait : {days}.",
        "Delivery attempt failed on {on}; new attempt or pickup point: {days}.",
    ),
    "available_for_pickup": (
        "Disponible en point de retrait depuis le {on}.",
        "Available for pickup since {on}.",
    ),
    "delivered": ("Livré le {on}.", "Delivered on {on}."),
    "holidays_crossed": (
        "Jours fériés sur le parcours : {items}.",
        "Public holidays on the way: {items}.",
    ),
}


def _days(window: Window, lang: int) -> str:
    plural = window.max_days > 1
    if window.unit is DayCount.BUSINESS:
        unit = (
            "jours ouvrés" if plural else "jour ouvré",
            "business days" if plural else "business day",
        )[lang]
    else:
        unit = ("jours" if plural else "jour", "days" if plural else "day")[lang]
    if window.min_days == window.max_days:
        return f"{window.max_days} {unit}"
    return f"{window.min_days} {('à', 'to')[lang]} {window.max_days} {unit}"


def _render(value: object, lang: int) -> str:
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}" if lang == 0 else value.isoformat()
    if isinstance(value, Window):
        return _days(value, lang)
    if isinstance(value, tuple):
        return str(value[lang])
    return str(value)


def _shift(d: date, days: int, unit: DayCount, countries: Sequence[str]) -> date:
    if unit is DayCount.CALENDAR:
        return d + timedelta(days)
    return add_business_days(d, days, countries)


@dataclass
class _Draft:
    earliest: date
    latest: date
    notes: list[BasisNote] = field(default_factory=list)
    crossed: dict[tuple[date, str], tuple[str, str]] = field(default_factory=dict)

    def note(self, code: str, text: str | None = None, **values: object) -> None:
        fr, en = _TEXTS[text or code]
        self.notes.append(
            BasisNote(
                code,
                fr.format(**{k: _render(v, 0) for k, v in values.items()}),
                en.format(**{k: _render(v, 1) for k, v in values.items()}),
            )
        )

    def add(self, window: Window, countries: Sequence[str]) -> None:
        before = (self.earliest, self.latest)
        self.earliest = _shift(self.earliest, window.min_days, window.unit, countries)
        self.latest = _shift(self.latest, window.max_days, window.unit, countries)
        if window.unit is DayCount.BUSINESS:
            for start, end in zip(before, (self.earliest, self.latest), strict=True):
                english = holidays_between(start, end, countries)
                french = holidays_between(start, end, countries, language="fr")
                for en_day, fr_day in zip(english, french, strict=True):
                    self.crossed[(en_day.day, en_day.country)] = (fr_day.name, en_day.name)

    def apply_peaks(self, start: date, peaks: Iterable[PeakPeriod], destination: str) -> None:
        # Chronological order, checked against the latest date as it grows: a Singles' Day
        # backlog can push a parcel into the year-end holidays.
        years = range(start.year - 1, self.latest.year + 2)
        spans = sorted(
            ((p.span(y), p.anchor(y), p) for p in peaks for y in years), key=lambda s: s[0]
        )
        for (begins, ends), anchor, peak in spans:
            if ends < start or begins > self.latest:
                continue
            slow = peak.slowdown
            if begins <= self.earliest:
                self.earliest = _shift(self.earliest, slow.min_days, slow.unit, [destination])
            self.latest = _shift(self.latest, slow.max_days, slow.unit, [destination])
            self.note(
                f"peak_{peak.kind.value}", "peak", name=_PEAK_NAMES[peak.kind], on=anchor, days=slow
            )

    def finish(self) -> DeliveryEstimate:
        if self.crossed:
            fr, en = zip(
                *(
                    (
                        f"{_render(d, 0)} ({c}, {self.crossed[(d, c)][0]})",
                        f"{_render(d, 1)} ({c}, {self.crossed[(d, c)][1]})",
                    )
                    for d, c in sorted(self.crossed)
                ),
                strict=True,
            )
            self.note("holidays_crossed", items=(", ".join(fr), ", ".join(en)))
        return DeliveryEstimate(self.earliest, self.latest, tuple(self.notes))


def _as_date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def estimate_delivery(
    *,
    method: ShippingMethod | str,
    ordered_at: date | datetime | None = None,
    shipped_at: date | datetime | None = None,
    handling_days: int = 0,
    origin_country: str,
    destination_country: str,
    transit_countries: Sequence[str] = (),
    events_so_far: TrackingProgress | None = None,
    windows: DeliveryWindows,
) -> DeliveryEstimate:
    """TRK-8: earliest and latest delivery dates, with the reason for each component.

    ``method`` is a slug looked up in ``windows`` (the order's policy) or a method given as is.
    ``shipped_at`` wins over ``ordered_at``; datetimes are read in the zone they carry.
    ``handling_days`` is the seller's handling time in business days. The rules are in the
    module docstring.
    """
    chosen = windows.method(method) if isinstance(method, str) else method
    origin, destination = origin_country.upper(), destination_country.upper()
    union = windows.customs_union
    if (chosen.origin is Origin.EU_WAREHOUSE) != (origin in union):
        raise InvalidInput(
            f"method '{chosen.slug}' ships from {chosen.origin.value}, not from {origin}",
            field="origin_country",
        )
    if handling_days < 0:
        raise InvalidInput("handling_days cannot be negative", field="handling_days")
    customs = origin != destination and not (origin in union and destination in union)
    if events_so_far is not None:
        stage = _stage(events_so_far.status, events_so_far.sub_status)
        if stage > 0:
            return _revise(events_so_far, stage, customs, destination, windows)

    ordered, shipped = _as_date(ordered_at), _as_date(shipped_at)
    if shipped is not None:
        draft, start = _Draft(shipped, shipped), shipped
        draft.note("shipped", on=shipped)
    elif ordered is not None:
        draft, start = _Draft(ordered, ordered), ordered
        handling = Window(min(windows.min_handling_days, handling_days), handling_days)
        draft.add(handling, [origin])
        draft.note("handling", country=origin, days=handling, on=ordered)
    else:
        raise InvalidInput("give ordered_at or shipped_at", field="ordered_at")

    crossed = [origin, *(c.upper() for c in transit_countries), destination]
    draft.add(chosen.window, crossed)
    draft.note("method_window", name=(chosen.name_fr, chosen.name_en), days=chosen.window)
    _customs_step(draft, customs, destination, windows)
    draft.apply_peaks(
        start,
        [
            p
            for p in windows.peaks
            if p.affects_eu_warehouse or chosen.origin is not Origin.EU_WAREHOUSE
        ],
        destination,
    )
    # Calendar-day windows can end on a Sunday or 25 December; nobody delivers then.
    draft.earliest = roll_forward(draft.earliest, [destination])
    draft.latest = roll_forward(draft.latest, [destination])
    if events_so_far is not None:
        seen = events_so_far.at.date()
        if draft.earliest < seen:
            draft.earliest = roll_forward(seen, [destination])
            draft.latest = max(draft.latest, draft.earliest)
            draft.note("after_latest_event", on=seen)
    return draft.finish()


def _customs_step(draft: _Draft, customs: bool, destination: str, windows: DeliveryWindows) -> None:
    if customs:
        draft.add(windows.customs, [destination])
        draft.note("customs", country=destination, days=windows.customs)
    else:
        draft.note("no_customs")


def _revise(
    progress: TrackingProgress,
    stage: int,
    customs: bool,
    destination: str,
    windows: DeliveryWindows,
) -> DeliveryEstimate:
    seen, status = progress.at.date(), progress.status
    draft = _Draft(seen, seen)
    if stage == 5:
        raise DeliveryEstimateUnavailable(
            f"No delivery estimate: the parcel is {status.value} ({progress.sub_status.value}).",
            fr="Pas de date de livraison : le colis est retourné à l'expéditeur ou perdu.",
            status=status.value,
            sub_status=progress.sub_status.value,
        )
    if stage == 4:
        draft.note("delivered", on=seen)
    elif stage in (1, 2):
        if stage == 1:
            draft.note("arrived_destination", on=seen)
            _customs_step(draft, customs, destination, windows)
        else:
            draft.note("customs_cleared", on=seen)
        draft.add(windows.last_mile, [destination])
        draft.note("last_mile", days=windows.last_mile)
        # Out for delivery or at a pickup point, a parcel is past any backlog; before, the
        # year-end rush still slows the last carrier.
        draft.apply_peaks(seen, [p for p in windows.peaks if p.affects_last_mile], destination)
    elif status is TrackingStatus.AVAILABLE_FOR_PICKUP:
        draft.note("available_for_pickup", on=seen)
    else:
        out = status is TrackingStatus.OUT_FOR_DELIVERY
        window = windows.out_for_delivery if out else windows.after_failed_attempt
        draft.add(window, [destination])
        draft.note("out_for_delivery" if out else "delivery_failed", on=seen, days=window)
    return draft.finish()


# SHP-3 defaults (seed 003): 20 % VAT, IOSS up to €150 of goods, carriers' clearance fees.
DEFAULT_VAT_RATE = Decimal("0.20")
DEFAULT_IOSS_THRESHOLD_EUR = Decimal(150)
DEFAULT_CARRIER_HANDLING_FEES: Mapping[str, Decimal] = MappingProxyType(
    {"la_poste": Decimal(8), "dhl": Decimal(20)}
)
_CENT = Decimal("0.01")


class ImportRegime(StrEnum):
    EU_WAREHOUSE = "eu_warehouse"  # already inside the EU: price includes VAT, no customs
    IOSS = "ioss"  # VAT collected at checkout, nothing to pay on delivery
    PAY_ON_DELIVERY = "pay_on_delivery"  # VAT, duty and the carrier's fee paid to the carrier


@dataclass(frozen=True)
class LandedCost:
    """SHP-3: what the buyer pays, now and on delivery, shown before paying."""

    regime: ImportRegime
    goods_eur: Decimal
    shipping_eur: Decimal
    vat_at_checkout_eur: Decimal
    vat_on_delivery_eur: Decimal
    duty_on_delivery_eur: Decimal
    carrier_fee_eur: Decimal
    note_fr: str
    note_en: str

    @property
    def at_checkout_eur(self) -> Decimal:
        return self.goods_eur + self.shipping_eur + self.vat_at_checkout_eur

    @property
    def on_delivery_eur(self) -> Decimal:
        return self.vat_on_delivery_eur + self.duty_on_delivery_eur + self.carrier_fee_eur

    @property
    def total_eur(self) -> Decimal:
        return self.at_checkout_eur + self.on_delivery_eur


def _money(amount: Decimal | int) -> Decimal:
    return Decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)


def _amount(value: Decimal, name: str) -> Decimal:
    # Like money.parse_amount: an input rounded in silence would be a wrong price.
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(_CENT):
        raise InvalidInput(
            f"{name}: a non-negative amount with at most two decimals, got {value}", field=name
        )
    return _money(amount)


def _fr(amount: Decimal) -> str:
    return f"{amount} €".replace(".", ",")


def landed_cost(
    goods_eur: Decimal,
    shipping_eur: Decimal,
    from_eu_warehouse: bool,
    carrier: str,
    vat_rate: Decimal = DEFAULT_VAT_RATE,
    ioss_threshold: Decimal = DEFAULT_IOSS_THRESHOLD_EUR,
    handling_fees: Mapping[str, Decimal | int] = DEFAULT_CARRIER_HANDLING_FEES,
    duty_rate: Decimal = Decimal(0),
) -> LandedCost:
    """SHP-3 landed cost. ``goods_eur`` is the goods' value before VAT.

    The IOSS threshold is on the goods alone; VAT is due on goods plus shipping, and above the
    threshold on the duty too, as for any import. ``duty_rate`` depends on the product's tariff
    line, which Garant does not know: 0 unless the caller does. ``carrier`` is the last-mile
    carrier that clears the parcel ("la_poste", "dhl"); a carrier without a known fee is
    refused rather than shown as free.
    """
    goods, shipping = _amount(goods_eur, "goods_eur"), _amount(shipping_eur, "shipping_eur")
    zero = _money(0)
    if from_eu_warehouse:
        return LandedCost(
            ImportRegime.EU_WAREHOUSE,
            goods,
            shipping,
            zero,
            zero,
            zero,
            zero,
            "Expédié depuis l'UE : TVA incluse dans le prix, aucun frais de douane.",
            "Shipped from the EU: VAT included in the price, no customs charges.",
        )
    if goods <= ioss_threshold:
        vat = _money((goods + shipping) * vat_rate)
        return LandedCost(
            ImportRegime.IOSS,
            goods,
            shipping,
            vat,
            zero,
            zero,
            zero,
            f"TVA de {_fr(vat)} incluse et payée à la commande (IOSS) : rien à "
            "payer à la livraison.",
            f"VAT of €{vat} included and paid at checkout (IOSS): nothing to pay on delivery.",
        )
    key = carrier.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in handling_fees:
        known = ", ".join(sorted(handling_fees))
        raise InvalidInput(
            f"no customs handling fee known for carrier '{carrier}' (known: {known})",
            field="carrier",
        )
    fee = _money(handling_fees[key])
    duty = _money((goods + shipping) * duty_rate)
    vat = _money((goods + shipping + duty) * vat_rate)
    due = vat + duty + fee
    return LandedCost(
        ImportRegime.PAY_ON_DELIVERY,
        goods,
        shipping,
        zero,
        vat,
        duty,
        fee,
        f"Plus de {_fr(ioss_threshold)} : {_fr(due)} à payer au transporteur à la "
        f"livraison (TVA {_fr(vat)}, droits {_fr(duty)}, frais de dossier "
        f"{_fr(fee)}).",
        f"Above €{ioss_threshold}: €{due} to pay the carrier on delivery (VAT "
        f"€{vat}, duty €{duty}, handling fee €{fee}).",
    )
