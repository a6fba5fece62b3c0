"""One line of JSON per benchmark figure (``garant bench … --json``).

Every benchmark prints its figures with the same keys, so that runs can be compared and
collected by a script: ``measure``, ``database``, ``workers``, ``garant_per_s``,
``baseline_per_s``, ``ratio``, ``p99_ms``, ``checked`` (None where a key does not apply;
``checked`` is True when the run verified its own correctness).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TextIO


@dataclass(frozen=True)
class Figure:
    measure: str
    database: str | None = None
    workers: int | None = None
    garant_per_s: float | None = None
    baseline_per_s: float | None = None
    ratio: float | None = None
    p99_ms: float | None = None
    checked: bool | None = None

    def with_ratio(self) -> Figure:
        """The ratio garant/baseline, when both rates are known."""
        if self.garant_per_s is None or not self.baseline_per_s:
            return self
        ratio = round(self.garant_per_s / self.baseline_per_s, 4)
        return Figure(**{**asdict(self), "ratio": ratio})

    def to_json(self) -> str:
        return json.dumps(asdict(self.with_ratio()), ensure_ascii=False)


def emit(figure: Figure, out: TextIO) -> None:
    out.write(figure.to_json() + "\n")
    out.flush()
