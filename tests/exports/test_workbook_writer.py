"""The writer's own promises: it leaves the interpreter as it found it."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from exports import Table, build_table_workbook
from exports.workbook import write_workbook

from .helpers import load, table


@pytest.fixture
def collector():
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


def test_the_cycle_collector_is_back_on_after_a_build_even_a_failed_one(collector):
    gc.enable()
    content = build_table_workbook("Sheet", [Table("Numbers", pd.DataFrame({"n": [1.0, 2.0]}))])
    assert gc.isenabled()
    assert [r["n"] for r in table(load(content)["Sheet"], "Numbers")] == [1, 2]

    def broken(book):
        assert not gc.isenabled()  # paused while the workbook is built
        raise RuntimeError("a sheet could not be written")

    with pytest.raises(RuntimeError):
        write_workbook(broken, largest_sheet_cells=1)
    assert gc.isenabled()


def test_a_collector_switched_off_by_someone_else_stays_off(collector):
    gc.disable()
    build_table_workbook("Sheet", [Table("Numbers", pd.DataFrame({"n": [1.0]}))])
    assert not gc.isenabled()
