"""The observation model: which incidents a GED-like source records, and where."""

import numpy as np
import pyarrow.compute as pc

from sim.config.params import ObservationParams
from sim.model.geography import build_border
from sim.model.incidents import IncidentType
from sim.model.observation import ged_types, recorded, sector_governorates
from tests.conftest import config, replicate


def test_flags_follow_the_documented_rule_type_deaths_and_side():
    obs = ObservationParams(types=["attack", "clash", "background"], min_deaths=2, sides=[1])
    types = np.array(
        [
            IncidentType.ATTACK,
            IncidentType.ATTACK,
            IncidentType.ATTACK,
            IncidentType.INTERDICTION,
            IncidentType.CLASH,
            IncidentType.CEASEFIRE_VIOLATION,
            IncidentType.BACKGROUND,
            IncidentType.BACKGROUND,
        ]
    )
    deaths = np.array([2, 1, 5, 9, 3, 4, 2, 1])
    sides = np.array([1, 1, 0, 1, 1, 1, 1, 1])
    assert recorded(types, deaths, sides, obs).tolist() == [
        *[True, False, False, False, True, False],
        *[True, False],
    ]


def test_bloodless_events_count_only_with_min_deaths_0_the_background_always_others_when_reported():
    types = np.array(
        [IncidentType.BACKGROUND, IncidentType.ATTACK, IncidentType.INTERDICTION] * 400
    )
    deaths = np.tile([0, 0, 0], 400)
    sides = np.ones(types.size, dtype=np.int64)
    none = ObservationParams()
    assert not recorded(types, deaths, sides, none).any()
    obs = ObservationParams(min_deaths=0, bloodless_reported=0.25)
    seen = recorded(types, deaths, sides, obs, np.random.default_rng(3))
    assert seen[types == IncidentType.BACKGROUND].all()
    share = seen[types != IncidentType.BACKGROUND].mean()
    assert 0.2 < share < 0.3  # 800 draws: a 0.25 share lies here with probability > 0.999
    again = recorded(types, deaths, sides, obs, np.random.default_rng(3))
    assert (again == seen).all()
    deadly = recorded(types, deaths + 1, sides, obs, np.random.default_rng(3))
    assert deadly.all()  # a death is always counted, whatever the draws


def test_a_runs_reporting_draws_shift_no_other_stream_and_follow_the_seed():
    base = ("scenario=baseline", "geography=tr_sy", "days=200", "observation.sides=[1]")
    plain = replicate(config(*base, "observation.min_deaths=0"), 1)[0].incidents
    told = replicate(
        config(*base, "observation.min_deaths=0", "observation.bloodless_reported=0.5"), 1
    )[0].incidents
    same = [c for c in plain.columns if c != "recorded"]
    assert plain[same].equals(told[same])  # the run itself is unchanged
    extra = told["recorded"] & ~plain["recorded"]
    assert extra.any() and (told.loc[extra, "type"] != "background").all()
    deaths = told["casualties"] + told["militant_losses"]
    assert (deaths[extra] == 0).all()
    assert (plain.loc[plain["type"] == "background", "recorded"]).all()


def test_by_default_every_deadly_incident_gets_recorded_and_compared_with_every_ged_code():
    """The default records the actors' deadly incidents and the background violence, and
    compares them with the data's events of every type of violence."""
    obs = ObservationParams()
    assert obs.types == ["attack", "interdiction", "clash", "background"]
    assert obs.ged_types == [1, 2, 3]


def test_every_recorded_incident_of_a_run_meets_the_rule_and_no_other_does():
    cfg = config("scenario=baseline", "geography=tr_sy", "days=300", "observation.sides=[1]")
    tables = replicate(cfg, 2)
    for t in tables:
        inc = t.incidents
        deaths = inc["casualties"] + inc.get("militant_losses", 0)
        rule = inc["type"].isin(cfg.observation.types) & (deaths >= 1) & (inc["side"] == "Syria")
        assert (inc["recorded"] == rule).all() and rule.any() and not rule.all()
        daily = np.bincount(inc.loc[inc["recorded"], "day"], minlength=cfg.days)
        assert (t.timeseries["recorded_events"].to_numpy() == daily).all()
        expected = daily.sum() / cfg.days * 30.4375
        assert np.isclose(t.summary["recorded_events_per_month"], expected)


def test_tr_sy_sectors_lie_opposite_the_data_governorates_west_to_east():
    cfg = config("geography=tr_sy")
    border = build_border(cfg.geography)
    names = sector_governorates(cfg.geography, border)
    assert len(names) == border.n
    runs = [names[0]] + [b for a, b in zip(names, names[1:], strict=False) if a != b]
    assert runs == [
        "Latakia Governorate",
        "Idlib Governorate",
        "Aleppo Governorate",
        "Ar Raqqah Governorate",
        "Al Hasakah Governorate",
    ]
    hatay = [n for n, p in zip(names, border.province, strict=True) if p == 0]
    assert hatay.count("Latakia Governorate") == len(hatay) // 2  # split equally, in order


def test_a_province_without_governorates_stands_for_itself():
    cfg = config("geography=stylised")
    border = build_border(cfg.geography)
    assert set(sector_governorates(cfg.geography, border)) == set(border.province_names)


def test_tr_sy_records_its_background_violence_where_it_strikes():
    cfg = config("scenario=baseline", "geography=tr_sy", "days=200", "observation.sides=[1]")
    inc = replicate(cfg, 1)[0].incidents
    bg = inc[inc["type"] == "background"]
    assert (bg["recorded"] == (bg["casualties"] >= 1)).all() and bg["recorded"].sum() > 100
    assert bg["recorded"].sum() > 0.5 * inc["recorded"].sum()  # most of the recorded violence
    assert (bg["side"] == "Syria").all()


def test_incidents_table_names_each_incident_governorate():
    cfg = config("scenario=baseline", "geography=tr_sy", "days=120")
    inc = replicate(cfg, 1)[0].arrow["incidents"]
    assert pc.all(pc.is_valid(inc["governorate"])).as_py()
    assert "Al Hasakah Governorate" in set(inc["governorate"].to_pylist())


def test_each_incident_gets_the_ged_code_of_the_documented_rule():
    """Clashes and violations are state-based; an attack or interdiction is one-sided when
    its dead are all victims (an attack that killed), state-based when fighters died or
    nobody did; a background event keeps the code it drew; no other type has one."""
    t = IncidentType
    rows = [  # type, casualties, militant_losses, expected code
        (t.CLASH, 2, 0, 1),
        (t.CEASEFIRE_VIOLATION, 0, 0, 1),
        (t.ATTACK, 3, 0, 3),
        (t.ATTACK, 0, 0, 1),
        (t.INTERDICTION, 0, 2, 1),
        (t.INTERDICTION, 0, 0, 1),
        (t.ATTACK, 1, 1, 1),
        (t.BACKGROUND, 5, 0, 2),
        (t.SMUGGLING_SEIZED, 0, 0, 0),
        (t.BACKGROUND, 0, 0, 3),
        (t.IRREGULAR_CROSSING, 0, 0, 0),
    ]
    kinds, casualties, losses, expected = (np.array(c) for c in zip(*rows, strict=True))
    codes = ged_types(kinds, casualties, losses, np.array([2, 3]))
    assert codes.tolist() == expected.tolist()


def test_a_runs_recorded_incidents_carry_their_ged_code():
    cfg = config("scenario=baseline", "geography=tr_sy", "days=300", "observation.sides=[1]")
    inc = replicate(cfg, 1)[0].incidents
    rec = inc[inc["recorded"]]
    assert set(rec["ged_type"]) == {1, 2, 3}
    attacks = rec[rec["type"] == "attack"]
    assert len(attacks) and (attacks["ged_type"] == 3).all()  # recorded only if they killed
    assert (rec.loc[rec["type"] == "interdiction", "ged_type"] == 1).all()
    assert (inc.loc[inc["type"].str.contains("crossing|smuggling"), "ged_type"] == 0).all()
