"""Regional statistics: median and quartiles over the scores that exist.

Quartiles use linear interpolation between order statistics (the usual
"type 7" definition, as in pandas and spreadsheets' QUARTILE.INC), so a
profile's figures can be checked by hand in a spreadsheet.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spread:
    """Median, quartiles and range of a set of values; ``n`` is how many there were."""

    n: int
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def empty(self) -> bool:
        return self.n == 0


def spread(values: Iterable[float | None]) -> Spread:
    """The spread of the values that are present (``None`` and NaN are left out)."""
    present = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if not present:
        return Spread(0)
    q1, median, q3 = np.quantile(np.asarray(present), [0.25, 0.5, 0.75])  # linear = type 7

    def r(x: float) -> float:
        return round(float(x), 1)

    return Spread(len(present), r(median), r(q1), r(q3), r(min(present)), r(max(present)))
