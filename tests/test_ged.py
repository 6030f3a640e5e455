"""The GED-format loader: the shipped data, another GED CSV, and what it refuses."""

import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import within

from sim.analysis import ged
from sim.analysis.ged import GedFormatError, data_path, load_ged, observed_events

SHIPPED = "ucdp_ged191_tr_sy_border25km_2016_2017.csv"


def write(tmp_path, rows, columns=None):
    frame = pd.DataFrame(rows)
    if columns is not None:
        frame = frame[columns]
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    return path


def event(**changes):
    row = {
        "id": 1,
        "date_start": "2017-03-02",
        "date_end": "2017-03-02",
        "type_of_violence": 1,
        "adm_1": "Somewhere",
        "best": 3,
        "low": 2,
        "high": 5,
    }
    return row | changes


def test_shipped_data_load_with_their_documented_counts():
    events = load_ged(data_path(SHIPPED))
    assert len(events) == 743
    assert events["type_of_violence"].value_counts().to_dict() == {2: 398, 1: 313, 3: 32}
    assert events["adm_1"].isna().sum() == 2
    assert events["date_start"].min() == pd.Timestamp("2016-01-01")
    # What a calibration compares: every type of violence, at least one death.
    assert len(observed_events(events, "2016-01-01", 731, [1, 2, 3], min_deaths=1).day) == 697
    # The Turkish state's events are the model's actors' (sim/analysis/background_fit.py).
    every = observed_events(events, "2016-01-01", 731, [1, 2, 3])
    assert every.actor.sum() == 26 and (every.deaths == 0).sum() == 46
    assert (every.deaths[every.actor] == 0).sum() == 2


def test_an_event_is_the_actors_when_one_of_them_is_either_side_in_a_list(tmp_path):
    rows = [
        event(id=1, side_a="Government of Turkey", side_b="IS"),
        event(id=2, side_a="IS", side_b="SDF"),
        event(id=3, side_a="FSA, Government of Turkey", side_b="IS"),
        event(id=4, side_a="Government of Syria", side_b="Government of Turkeyland"),
    ]
    chosen = observed_events(load_ged(write(tmp_path, rows)), "2017-03-01", 10, [1, 2, 3])
    assert chosen.actor.tolist() == [True, False, True, False]


def test_any_ged_csv_loads_and_its_events_are_placed_by_start_day(tmp_path):
    path = write(
        tmp_path,
        [
            event(id=1),
            event(id=2, date_start="2017-03-05", date_end="2017-03-09", type_of_violence=2),
            event(id=3, best=0),
        ],
    )
    events = load_ged(path)
    chosen = observed_events(events, "2017-03-01", 10, [1, 3])
    assert list(chosen.day) == [1, 1] and list(chosen.deaths) == [3, 0]
    assert list(observed_events(events, "2017-03-01", 10, [1, 2, 3]).ged_type) == [1, 2, 1]
    assert list(observed_events(events, "2017-03-01", 10, [2]).day) == [4]
    assert len(observed_events(events, "2017-03-03", 2, [1, 2, 3]).day) == 0  # outside the window
    assert list(observed_events(events, "2017-03-01", 10, [1, 2, 3], min_deaths=1).day) == [1, 4]


@pytest.mark.parametrize(
    ("rows", "columns", "message"),
    [
        (
            [event()],
            ["id", "date_start", "date_end", "type_of_violence", "adm_1"],
            "missing column 'best'",
        ),
        (
            [event(), event(id=7, date_start="2017-02-30")],
            None,
            "row 3 (id 7): date_start='2017-02-30' is not a date",
        ),
        ([event(id=8, date_end="2017-03-01")], None, "date_end='2017-03-01' is before date_start"),
        ([event(id=9, best=-2)], None, "row 2 (id 9): best='-2' is a negative number of deaths"),
        ([event(id=5, low="many")], None, "low='many' is not a whole number"),
        ([event(id=4, type_of_violence=4)], None, "type_of_violence='4' is not 1, 2 or 3"),
    ],
)
def test_malformed_csv_is_refused_in_one_line_naming_row_and_value(
    tmp_path, rows, columns, message
):
    with pytest.raises(GedFormatError) as err:
        load_ged(write(tmp_path, rows, columns))
    text = str(err.value)
    assert message in text and "\n" not in text and text.startswith("events.csv")


def test_missing_file_is_refused_in_one_line(tmp_path):
    with pytest.raises(GedFormatError, match="no such file"):
        load_ged(tmp_path / "absent.csv")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("directory", "is a directory; expected a GED-format CSV file of at most 64 MiB"),
        ("device", "is not a regular file (a device, pipe or socket)"),
        ("fifo", "is not a regular file (a device, pipe or socket)"),
        ("link_to_device", "is not a regular file (a device, pipe or socket)"),
    ],
)
def test_only_a_regular_file_is_opened_and_a_pipe_does_not_block(tmp_path, kind, message):
    path = tmp_path / "events.csv"
    if kind == "directory":
        path.mkdir()
    elif kind == "device":
        path = Path("/dev/null")  # /dev/zero would fill memory if it were read
    elif kind == "fifo":
        os.mkfifo(path)  # no writer: opening it for reading the usual way would wait forever
    else:
        path.symlink_to("/dev/null")

    with within(10, f"load_ged({kind})"), pytest.raises(GedFormatError) as err:
        load_ged(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_file_beyond_the_limit_is_refused_after_reading_no_more_than_the_limit(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(ged, "MAX_GED_BYTES", 1000)
    monkeypatch.setattr(ged.pd, "read_csv", lambda *a, **k: pytest.fail("parsed"))
    path = write(tmp_path, [event(id=i) for i in range(100)])
    with pytest.raises(
        GedFormatError,
        match=r"events.csv is larger than 0.000954 MiB; expected a GED-format CSV file",
    ):
        load_ged(path)
