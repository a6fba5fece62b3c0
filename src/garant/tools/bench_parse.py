"""Part 1 of `garant bench tracking`: how fast carrier payloads become normalised events,
beside karrio's parsers on the same files when karrio is installed in a virtualenv of its own.
"""


import inspect
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from garant.carriers import get_adapter
from garant.tools.bench_json import Figure

Out = Callable[[str], None]
DEFAULT_SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "carrier-samples"
FOLDERS = {
    "laposte": "laposte", "ups": "ups", "fedex": "fedex", "dhl_express": "dhl_express",
    "dhl_universal": "dhl_universal", "usps_international": "usps", "chronopost": "chronopost",
    "dhl_parcel_de": "dhl_parcel_de",
}  # fmt: skip
NO_ADAPTER = ("asendia", "spring")
KARRIO_ENV = "GARANT_KARRIO_PYTHON"


if TYPE_CHECKING:
    from garant.tools.bench_json import Figure

# The kinds of answer the targets are stated for (issue 9: >= 8x karrio on normal answers,
# >= 1x on "not found"), by the outcome of our parser.
KINDS = ("normal answers", "not-found answers", "error answers")
# karrio and the connectors of the sample folders, at the version the figures name
KARRIO_PIP = " ".join(
    f"karrio{part}==2026.1.32" for part in ("", "-laposte", "-ups", "-fedex", "-dhl-express",
    "-dhl-universal", "-usps-international", "-chronopost", "-dhl-parcel-de")
)  # fmt: skip


def _rate(call: Callable[[], object], min_time: float, repeats: int) -> float:
    """Calls per CPU second of this process: the median of ``repeats`` rounds, each calling
    again and again for at least ``min_time`` seconds. CPU time, not wall time, so that other
    work on the machine does not land on whichever parser happens to run then. An exception
    is an outcome like any other (error payloads). Karrio's python runs this very function:
    its source is sent along."""
    rates = []
    for _ in range(repeats):
        count, start = 0, time.process_time()
        while True:
            try:  # noqa: SIM105 (a plain try costs less per call than contextlib.suppress)
                call()
            except Exception:
                pass
            count += 1
            elapsed = time.process_time() - start
            if elapsed >= min_time:
                break
        rates.append(count / elapsed)
    return float(statistics.median(rates))


# Run by karrio's python: its version first, then for each request line (carrier, path,
# min_time, repeats) on stdin one answer line on stdout.
_KARRIO_SCRIPT = """
from __future__ import annotations
import importlib.metadata, json, os, socket, statistics, sys, time
real_stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # jstruct prints warnings
tried = []
def no_network(*args, **kwargs):  # a parser's HTTP call fails at once instead of timing out
    tried.append(args[0])
    raise OSError("network blocked by garant bench tracking")
socket.getaddrinfo = no_network
import karrio.lib as lib
import karrio.sdk as karrio
CREDS = dict.fromkeys("api_key secret_key track_api_key track_secret_key client_id client_secret "
  "site_id password consumer_key consumer_secret account_number username".split(), "x")  # unused
def wrap(carrier, body):  # as that carrier's karrio proxy wraps the HTTP answer
    if carrier in ("laposte", "fedex"):
        return lib.Deserializable(body, lib.to_dict)
    if carrier in ("dhl_express", "chronopost"):
        return lib.Deserializable(body, lib.to_element)
    if carrier in ("ups", "usps_international"):
        return lib.Deserializable([("X", body)], lambda r: [(n, lib.to_dict(d)) for n, d in r])
    if carrier == "dhl_universal":
        return lib.Deserializable([body], lambda r: [lib.to_dict(d) for d in r])
    return lib.Deserializable([body], lambda r: [lib.to_element(d) for d in r if d])
RATE
def answer(carrier, path, min_time, repeats):
    mapper = karrio.gateway[carrier].create(CREDS).mapper
    body = open(path, encoding="utf-8").read()
    call = lambda: mapper.parse_tracking_response(wrap(carrier, body))
    tried.clear()
    details, messages = call()
    n = sum(len(d.events) for d in details)
    outcome = f"{n} event{'s' * (n != 1)}" if details else f"{len(messages)} message(s)"
    outcome += " *" * bool(tried)
    return {"rate": _rate(call, min_time, repeats), "events": n, "outcome": outcome}
real_stdout.write(json.dumps({"version": importlib.metadata.version("karrio")}) + "\\n")
real_stdout.flush()
for line in sys.stdin:
    try:
        result = answer(*json.loads(line))
    except Exception as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"[:120]}
    real_stdout.write(json.dumps(result) + "\\n")
    real_stdout.flush()
"""


@contextmanager
def _karrio(python: str) -> Iterator[Callable[..., dict[str, Any]]]:
    """karrio's python, kept running: each file is timed there right before it is timed here,
    so both figures of a row see the same machine load. Yields ``ask(*request) -> answer``."""
    script = _KARRIO_SCRIPT.replace("RATE\n", inspect.getsource(_rate), 1)
    env = {**os.environ, "KARRIO_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryFile(mode="w+") as errors, subprocess.Popen(
        [python, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
        text=True, env=env,
    ) as proc:  # fmt: skip
        stdin, stdout = proc.stdin, proc.stdout
        assert stdin is not None and stdout is not None

        def ask(*request: object) -> dict[str, Any]:
            if request:
                stdin.write(json.dumps(request) + "\n")
                stdin.flush()
            if not (line := stdout.readline()):
                errors.seek(0)
                raise RuntimeError((errors.read().strip().splitlines() or ["exited"])[-1])
            return dict(json.loads(line))

        try:
            yield ask
        finally:
            stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _ours(slug: str, payload: bytes, min_time: float, repeats: int) -> tuple[float, int, str]:
    adapter = get_adapter(slug)
    try:
        events = len(adapter.parse(payload))
        outcome = f"{events} event{'s' * (events != 1)}"
    except Exception as exc:  # a carrier's error answer: read, and timed like the rest
        events, outcome = 0, type(exc).__name__
    return _rate(lambda: adapter.parse(payload), min_time, repeats), events, outcome


def _cells(outcome: str, rate: float, events: int) -> str:
    return f"{outcome:<18} {rate:>10,.0f} {rate * events:>10,.0f}"


def _kind(outcome: str) -> str:
    if outcome.endswith(("event", "events")):
        return KINDS[0]
    return KINDS[1] if outcome == "TrackingNotFound" else KINDS[2]


def _summary(ratios: dict[str, list[float]], emit: Callable[[Figure], None] | None) -> list[str]:
    """The median ours/karrio ratio of each kind of answer, printed and emitted."""
    from garant.tools.bench_json import Figure

    lines = []
    for kind in KINDS:
        if found := ratios.get(kind):
            median = statistics.median(found)
            lines.append(f"Median ours/karrio, {kind} ({len(found)} files): {median:.1f}x "
                         f"(lowest {min(found):.1f}x)")  # fmt: skip
            if emit is not None:
                emit(Figure(measure=f"parse median {kind}", ratio=round(median, 4)))
    return lines


def parse_part(
    samples: Path, min_time: float, repeats: int, out: Out,
    figures: Callable[[Figure], None] | None = None,
) -> list[str]:  # fmt: skip
    """Times every sample file (karrio's parser first, then ours); returns the table.
    ``figures`` receives one figure per file (baseline: karrio, when it ran; checked: both
    read the same number of events), then the median ratio of each kind of answer."""
    from garant.tools.bench_json import Figure

    if not samples.is_dir():
        return [f"Parse: skipped, carrier samples absent ({samples})"]
    notes, files = [], []
    for folder in sorted(p.name for p in samples.iterdir() if p.is_dir()):
        if folder in FOLDERS:
            files += [(folder, p) for p in sorted((samples / folder).iterdir()) if p.is_file()]
        else:
            why = "no Garant adapter" if folder in NO_ADAPTER else "unknown carrier folder"
            notes.append(f"Parse: {folder}: {why}, not measured")
    python, ask, rows, fetched = os.environ.get(KARRIO_ENV), None, [], False
    ratios: dict[str, list[float]] = {}
    with ExitStack() as stack:
        if not python:
            notes.append(f"karrio: not installed (set {KARRIO_ENV} to a virtualenv's python "
                         "with karrio: python -m venv DIR; DIR/bin/pip install "
                         f"{KARRIO_PIP})")  # fmt: skip
        else:
            try:
                ask = stack.enter_context(_karrio(python))
                notes.append(f"karrio: {ask()['version']} ({python})")
            except Exception as exc:
                ask = None
                notes.append(f"karrio: unusable at {python}: {exc}"[:200])
        for folder, path in files:
            try:
                k = ask(folder, str(path), min_time, repeats) if ask else {}
            except Exception as exc:  # karrio's python died: say so on each row
                k = {"error": str(exc)[:120]}
            fetched = fetched or k.get("outcome", "").endswith("*")
            rate, events, outcome = _ours(FOLDERS[folder], path.read_bytes(), min_time, repeats)
            out(f"Parse: {folder}/{path.name}: {rate:,.0f} payloads/s")
            line = f"{folder:<18} {path.name:<40} {_cells(outcome, rate, events)}"
            if "rate" in k:
                line += (
                    f" | {_cells(k['outcome'], k['rate'], k['events'])} {rate / k['rate']:>10.1f}x"
                )
                ratios.setdefault(_kind(outcome), []).append(rate / k["rate"])
            elif ask:
                line += f" | karrio failed: {k.get('error', 'no answer')}"
            rows.append(line)
            if figures is not None:
                figures(Figure(measure=f"parse {folder} {path.stem}", garant_per_s=round(rate, 1),
                               baseline_per_s=round(k["rate"], 1) if "rate" in k else None,
                               checked=k["events"] == events if "rate" in k else None))  # fmt: skip
    header = f"{'carrier':<18} {'file':<40} {'outcome':<18} {'payloads/s':>10} {'events/s':>10}"
    if ask:
        header += f" | {'karrio outcome':<18} {'payloads/s':>10} {'events/s':>10} ours/karrio"
    if fetched:
        notes.append("karrio: * = its parser made an HTTP request while parsing (FedEx: proof of "
                     "delivery); the bench blocks the network so it fails at once")  # fmt: skip
    return [*notes, "", header, "-" * len(header), *rows, "", *_summary(ratios, figures)]
