"""One run of the check: hypothesis' settings from the steps asked, the seed, the databases,
the failure (hypothesis' shrunk sequence and the error) kept in the report."""

from __future__ import annotations

import importlib.util
import math
import random
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis import settings as hsettings
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test

from garant.tools.protection_check.core import Run
from garant.tools.protection_check.databases import databases_for
from garant.tools.protection_check.expect import ModelViolation
from garant.tools.protection_check.machine import machine_factory
from garant.tools.protection_check.report import Report


def _evidence_service_present() -> bool:
    try:
        return importlib.util.find_spec("garant.services.evidence") is not None
    except ModuleNotFoundError:
        return False


def run_protection_check(
    database_url: str | None,
    steps: int,
    seed: int | None,
    *,
    steps_per_example: int | None = None,
    shrink: bool = True,
    on_start: Callable[[Report], None] | None = None,
) -> Report:
    """Run the state machine for about ``steps`` rule steps in total (``steps_per_example``
    each, default min(50, steps)). A seed makes the run reproducible; without one a random
    seed is drawn and reported. The report's ``failure`` holds hypothesis' shrunk failing
    sequence and the error when an invariant or a model check failed. ``on_start`` gets the
    report before the run (its method fields filled in)."""
    if steps < 1:
        raise ValueError("steps must be at least 1")
    per_example = steps_per_example or min(50, steps)
    examples = max(1, math.ceil(steps / per_example))
    chosen = seed if seed is not None else random.SystemRandom().randrange(2**32)
    databases = databases_for(database_url)
    report = Report(
        database=databases.name,
        seed=chosen,
        seed_given=seed is not None,
        steps_asked=steps,
        steps_per_example=per_example,
        max_examples=examples,
    )
    present = _evidence_service_present()
    report.evidence = (
        "evidence rows inserted as uploaded by the acting party, attached through "
        "services.evidence.attachable"
        if present
        else "services.evidence absent: steps that need evidence (contest, provide_evidence, "
        "appeal) are only tried without it and must be refused"
    )
    run = Run(databases=databases, report=report, evidence_service=present)
    if on_start is not None:
        on_start(report)  # the method, printed before the run
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    settings = hsettings(
        max_examples=examples,
        stateful_step_count=per_example,
        deadline=None,
        database=None,
        derandomize=False,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.normal,
        report_multiple_bugs=False,
        print_blob=False,
    )
    factory = hypothesis.seed(chosen)(machine_factory(run))
    lines: list[str] = []
    started = time.monotonic()
    try:
        with with_reporter(lambda value: lines.append(str(value))), _quiet_sweep_log():
            run_state_machine_as_test(factory, settings=settings)  # type: ignore[arg-type]
    except Exception as exc:  # the failure is the report's, printed by the caller
        notes = [n for n in getattr(exc, "__notes__", []) if n not in lines]
        if isinstance(exc, ModelViolation):
            where = traceback.extract_tb(exc.__traceback__)[-1]
            error = f"{type(exc).__name__}: {exc}\n  (raised at {where.filename}:{where.lineno})"
        else:  # a bug elsewhere: the whole traceback
            error = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        report.failure = "\n".join([*lines, *notes, error.rstrip()])
    finally:
        report.elapsed = time.monotonic() - started
        databases.close()
    return report


@contextmanager
def _quiet_sweep_log() -> Iterator[None]:
    """The sweep logs a deadline that failed with its traceback; the check reports it
    itself (and fails), so the log would only repeat it once per shrink attempt."""
    import logging

    log = logging.getLogger("garant.services.deadlines")
    before = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(before)
