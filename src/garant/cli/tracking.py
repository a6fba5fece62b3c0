"""`garant tracking …`: parse carrier files, recognise numbers, show a timeline, import.

The output of `parse` and `detect` is a contract scripts rely on: JSON, one object per line
(`parse`, per event) or one object (`detect`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from garant.cli._base import app, fail, open_garant, sub_app

tracking_app = sub_app("Parcel tracking: carrier payloads, numbers, timelines.")
app.add_typer(tracking_app, name="tracking")


def _event_json(event: Any) -> dict[str, Any]:
    loc = event.location
    return {
        "carrier": event.carrier,
        "tracking_number": event.tracking_number,
        "status": event.status.value,
        "sub_status": event.sub_status.value,
        "occurred_at": event.occurred_at.isoformat(),
        "raw_code": event.raw_code,
        "raw_text": event.raw_text,
        "location": {"country": loc.country, "city": loc.city, "postcode": loc.postcode,
                     "description": loc.description},
        "leg": event.leg,
    }


@tracking_app.command("parse")
def parse(carrier: str, file: Path) -> None:
    """Print each event of a carrier's raw payload as one JSON object per line."""
    from garant.carriers import ADAPTERS, get_adapter
    from garant.domain.tracking import TrackingParseError

    if carrier not in ADAPTERS:
        fail(f"unknown carrier '{carrier}'; known: {', '.join(sorted(ADAPTERS))}")
    try:
        payload = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    try:
        events = get_adapter(carrier).parse(payload)
    except TrackingParseError as exc:
        fail(f"{file}: {exc}")
    for event in events:
        typer.echo(json.dumps(_event_json(event), ensure_ascii=False))


@tracking_app.command("detect")
def detect_number(number: str) -> None:
    """Recognise a tracking number: normalised form, validity, warnings, candidate carriers."""
    from garant.carriers.numbers import detect

    typer.echo(json.dumps(detect(number).to_json(), ensure_ascii=False))


@tracking_app.command("show")
def show(number: str,
         lang: Annotated[str, typer.Option(help="fr or en")] = "fr") -> None:
    """The parcel's timeline for a person: status, place, estimate, advice, every event."""
    from garant.services.tracking import public_view

    with open_garant() as garant:
        view = public_view(garant, number)
    typer.echo(f"{view['number']}  ({view.get('carrier') or 'carrier unknown'})")
    if not view["found"]:
        diagnosis = view["diagnoses"]["not_found"]
        for sentence in diagnosis["explanation"]:
            typer.echo(f"  {sentence[lang]}")
        return
    typer.echo(f"  {view['buyer_status'][lang]}")
    if view.get("location"):
        place = ", ".join(p for p in (view["location"]["city"], view["location"]["country"])
                          if p)
        typer.echo(f"  {'Lieu' if lang == 'fr' else 'Where'}: {place}")
    if view.get("estimate"):
        est = view["estimate"]
        label = "Livraison estimée" if lang == "fr" else "Estimated delivery"
        typer.echo(f"  {label}: {est['earliest']} → {est['latest']}")
    for diagnosis in view["diagnoses"].values():
        for key in ("explanation", "where", "protection"):
            value = diagnosis.get(key)
            for sentence in value if isinstance(value, list) else [value] if value else []:
                typer.echo(f"  ! {sentence[lang]}")
    if len(view["numbers"]) > 1:
        typer.echo("  " + " = ".join(f"{n['number']} ({n['carrier']})" for n in view["numbers"]))
    typer.echo("")
    for e in view["events"]:
        loc = e["location"]
        place = ", ".join(p for p in (loc.get("city"), loc.get("country")) if p)
        typer.echo(f"  {e['occurred_at']}  {e['carrier']:<12} {place:<24} {e['raw_text']}")


@tracking_app.command("import")
def import_file(file: Path,
                carrier: Annotated[str | None, typer.Option(help="default carrier")] = None
                ) -> None:
    """Import events from a CSV or JSON Lines file, with a progress bar."""
    from garant.services.tracking_import import import_file as run_import

    if not file.is_file():
        fail(f"no file {file}")
    with open_garant() as garant, typer.progressbar(length=1, label="importing",
                                                    file=None) as bar:
        done = 0

        def progress(lines: int, total: int) -> None:
            nonlocal done
            bar.length = max(total, 1)
            bar.update(lines - done)
            done = lines

        report = run_import(garant, file, carrier=carrier, progress=progress)
    typer.echo(json.dumps(report.__dict__ if hasattr(report, "__dict__") else str(report)))
