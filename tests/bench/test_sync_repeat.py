"""bench.sync's ``--repeat``: the full syncs of several runs summed up in one line, and no repeat on a
store that would not be new."""

from __future__ import annotations

import pytest

from bench.sync import main, spread


def test_the_repeats_line_gives_median_range_target_count_and_machine_speed():
    line = spread([52.0, 48.0, 49.5], 100_000, [1.05, 1.2, 1.1])
    assert "3 runs: median 49.5 s (2,020 records/s), 48.0 to 52.0 s" in line
    assert "2 of 3 at 2,000 records/s or more" in line
    assert line.endswith("1.05, 1.20, 1.10 s before them")
    # the hub's CPU seconds for the same work: how fast the machine was in each run
    with_cpu = spread([52.0, 48.0, 49.5], 100_000, [1.05, 1.2, 1.1], [71.5, 63.2, 69.0])
    assert with_cpu == line + "; the hub's CPU seconds 71.5, 63.2, 69.0"


def test_repeats_refuse_a_given_store(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--repeat", "2", "--url", "sqlite:///elsewhere.db"])
    assert stopped.value.code == 2 and "--repeat needs a new store" in capsys.readouterr().err
