"""`garant bench tracking`, parse part: one figure per sample file, in the shared JSON shape of
`garant bench --json`, and a median per kind of answer when karrio ran beside it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from garant.tools.bench_json import Figure
from garant.tools.bench_parse import FOLDERS, KARRIO_ENV, parse_part

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "carrier-samples"


def _files() -> list[str]:
    return sorted(
        f"parse {folder} {path.stem}"
        for folder in FOLDERS
        if (SAMPLES / folder).is_dir()
        for path in (SAMPLES / folder).iterdir()
        if path.is_file()
    )


@pytest.mark.ci_only
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/carrier-samples is absent")
def test_parse_part_gives_one_figure_per_sample_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KARRIO_ENV, raising=False)
    figures: list[Figure] = []

    parse_part(SAMPLES, 0.005, 1, lambda line: None, figures.append)

    assert sorted(f.measure for f in figures) == _files()
    laposte = next(f for f in figures if f.measure == "parse laposte TrackingResponse")
    line = json.loads(laposte.to_json())
    assert set(line) == {"measure", "database", "workers", "garant_per_s", "baseline_per_s",
                         "ratio", "p99_ms", "checked"}  # fmt: skip
    assert line["garant_per_s"] > 0
    assert (line["database"], line["baseline_per_s"], line["ratio"], line["checked"]) == (
        None, None, None, None,
    )  # fmt: skip


@pytest.mark.ci_only
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/carrier-samples is absent")
@pytest.mark.skipif(not os.environ.get(KARRIO_ENV), reason=f"karrio: {KARRIO_ENV} not set")
def test_parse_part_beside_karrio_gives_ratios_and_medians() -> None:
    figures: list[Figure] = []

    table = parse_part(SAMPLES, 0.005, 1, lambda line: None, figures.append)

    laposte = next(f for f in figures if f.measure == "parse laposte TrackingResponse")
    assert laposte.baseline_per_s and laposte.checked is True  # 9 events on both sides
    assert laposte.with_ratio().ratio is not None
    medians = {f.measure for f in figures if f.measure.startswith("parse median")}
    assert medians == {"parse median normal answers", "parse median not-found answers",
                       "parse median error answers"}  # fmt: skip
    assert any(line.startswith("Median ours/karrio, normal answers (11 files)") for line in table)
