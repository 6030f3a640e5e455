"""Background violence: the Hawkes fitter, the process in the model, its reach and its absence."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

import sim.model.model as model_module
from sim.analysis.background_fit import (
    background_events,
    fit_background,
    fit_deaths,
    fit_epochs,
    type_shares,
)
from sim.analysis.background_fit import (
    main as background_fit_main,
)
from sim.analysis.ged import data_path, load_ged
from sim.analysis.hawkes import fit_hawkes
from sim.config.params import ConfigError, GovernorateProcess, validate
from sim.model.background import draw_deaths, simulate_hawkes
from sim.model.geography import build_border
from sim.model.incidents import DAYS_PER_MONTH, IncidentType
from sim.model.model import RoadmapModel
from sim.model.observation import sector_governorates
from sim.runs.runner import model_params, replication_seeds, simulate
from tests.conftest import config

DATA = "ucdp_ged191_tr_sy_border25km_2016_2017.csv"
DAYS = 731  # 2016-2017, as the data


def test_the_fitter_recovers_a_simulated_hawkes_process_within_its_standard_errors():
    """Sequences drawn by the model's own simulator (the cluster representation) are
    fitted on the intensity's likelihood (another construction): estimates lie within
    their standard errors as often as they should, and the standard errors are the
    estimates' real spread."""
    truth = np.array([0.15, 0.6, 0.2])  # baseline /day, branching, decay /day
    rng = np.random.default_rng(7)
    fits = [fit_hawkes(simulate_hawkes(rng, *truth, 1500.0), 1500.0) for _ in range(12)]
    est = np.array([[f.baseline, f.branching, f.decay] for f in fits])
    se = np.array([f.se for f in fits])
    z = (est - truth) / se
    assert np.isfinite(z).all()
    assert (np.abs(z) < 3.5).all()
    assert (np.abs(z) < 2).mean() >= 0.85  # about 95% expected
    spread = est.std(axis=0, ddof=1) / se.mean(axis=0)
    assert ((spread > 0.5) & (spread < 1.6)).all(), spread
    # The time-rescaling check passes the right model and rejects a Poisson process.
    assert min(f.ks_p for f in fits) > 0.05
    assert max(f.poisson_ks_p for f in fits) < 0.01


def test_the_fitter_recovers_an_epoch_factor_shared_by_the_governorates():
    """Three processes simulated by the model's simulator, whose baselines all fall to 0.4
    from day 500: the profile fit finds the factor within its standard error's reach, and
    the likelihood-ratio test prefers the epochs; with no change it finds none."""
    truths = [(0.2, 0.5, 0.3), (0.1, 0.3, 1.0), (0.05, 0.6, 0.1)]
    for factor in (0.4, 1.0):
        rng = np.random.default_rng(11)
        series = {
            str(k): simulate_hawkes(rng, *truth, 1000.0, [(500.0, factor)])
            for k, truth in enumerate(truths)
        }
        shared = fit_epochs(series, 1000, (500.0,))
        (estimate,), (se,) = shared.epochs.factors, shared.se
        assert abs(estimate - factor) < 3 * se and se < 0.2 * estimate, (factor, estimate, se)
        assert (shared.lr_p < 1e-3) if factor < 1 else (shared.lr_p > 0.01), shared.lr_p


def test_an_epoch_scales_the_models_background_from_its_first_day_on():
    """Background events a day settle at the process's long-run rate, ``sum of baseline /
    (1 - branching)``, before an epoch and at ``factor`` times it after (the long-run rate is
    proportional to the baseline)."""
    rates = {}
    for epochs in ("[]", "[{start_day: 300, factor: 0.4}]"):
        cfg = config("scenario=baseline", "geography=tr_sy", "days=600",
                     f"background.epochs={epochs}")  # fmt: skip
        params = model_params(cfg)
        days = np.concatenate(
            [
                (inc := simulate(params, 600, seed).incidents)
                .loc[inc["type"] == "background", "day"]
                .to_numpy()
                for seed in replication_seeds(cfg.seed, 24)
            ]
        )
        # the first 60 days of each epoch are left out: the process settles into its level
        rates[epochs] = (
            ((days >= 60) & (days < 300)).sum() / 240 / 24,
            (days >= 360).sum() / 240 / 24,
        )
    level = sum(g.baseline / (1 - g.branching) for g in cfg.background.governorates)
    (before, after), (before_e, after_e) = rates.values()
    assert 0.85 < before / level < 1.15 and 0.85 < after / level < 1.15  # one level throughout
    assert 0.85 < before_e / level < 1.15  # the same process until the epoch
    assert 0.3 < after_e / level < 0.5  # 0.4 from the epoch on


def test_epochs_out_of_order_are_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"background.epochs\[1\].start_day=100: must come after"):
        config("geography=tr_sy", "background.epochs=[{start_day: 366, factor: 0.4},"
               "{start_day: 100, factor: 1}]")  # fmt: skip


def test_the_death_law_fit_recovers_known_parameters():
    truth = np.array([0.06, 5.0, 2.0])  # zero share, scale, tail
    fit = fit_deaths(draw_deaths(np.random.default_rng(3), 3000, *truth))
    z = (np.array([fit.zero_share, fit.scale, fit.tail]) - truth) / np.array(fit.se)
    assert (np.abs(z) < 3).all(), z


def test_the_shipped_background_section_is_the_fit_of_the_shipped_data():
    """`python -m sim.analysis.background_fit --epochs 2017-01-01` reproduces what
    conf/geography/tr_sy.yaml ships."""
    events = load_ged(data_path(DATA))
    chosen = background_events(events)
    assert len(chosen) == 717 and not (chosen["side_a"] == "Government of Turkey").any()
    fits, deaths, shared = fit_background(events, epochs=[366])
    shipped = config("geography=tr_sy").background
    assert [(e.start_day, e.factor) for e in shipped.epochs] == [
        (366, round(shared.epochs.factors[0], 3))
    ]
    for g in shipped.governorates:
        f = fits[g.name]
        assert (round(f.baseline, 4), round(f.branching, 3), round(f.decay, 3)) == (
            g.baseline,
            g.branching,
            g.decay,
        )
        assert f.ks_p > 0.1  # the fitted process passes the time-rescaling test
    assert round(deaths.scale, 3) == shipped.deaths_scale
    assert round(deaths.tail, 3) == shipped.deaths_tail
    shares = type_shares(events)
    assert {g.name: tuple(g.ged_type_shares) for g in shipped.governorates} == {
        name: p for name, (p, _) in shares.items()
    }
    assert sum(p[0] * fits[name].events for name, (p, _) in shares.items()) == pytest.approx(
        294, abs=0.05
    )
    assert config("geography=stylised").background.governorates == []


@pytest.fixture(scope="module")
def tr_sy_runs():
    """16 replications of two years of the tr_sy baseline: their incident tables."""
    cfg = config("scenario=baseline", "geography=tr_sy", f"days={DAYS}")
    params = model_params(cfg)
    return [simulate(params, DAYS, s).incidents for s in replication_seeds(cfg.seed, 16)]


def data_background():
    events = background_events(load_ged(data_path(DATA)))
    day = (events["date_start"] - pd.Timestamp("2016-01-01")).dt.days
    return events.assign(day=day)


def monthly_dispersion(days: np.ndarray) -> float:
    months = int(DAYS // DAYS_PER_MONTH)
    counts = np.bincount((np.asarray(days) // DAYS_PER_MONTH).astype(int), minlength=months)
    counts = counts[:months]
    return counts.var(ddof=1) / counts.mean()


def test_background_events_per_governorate_match_the_data_within_sampling_error(tr_sy_runs):
    data = data_background()
    runs = pd.DataFrame(
        [inc[inc["type"] == "background"].groupby("governorate").size() for inc in tr_sy_runs]
    ).fillna(0)
    observed = data.groupby("adm_1").size()
    assert set(runs.columns) == set(observed.index)
    for unit, count in observed.items():
        mean, sd = runs[unit].mean(), runs[unit].std(ddof=1)
        assert abs(count - mean) < 3 * sd, (unit, count, mean, sd)
    # Clustered like the data, as a Poisson process of the same rate is not: the monthly
    # counts' variance-to-mean ratio is well above 1, in the data and in the runs.
    for unit in ("Aleppo Governorate", "Latakia Governorate", None):
        rows = data if unit is None else data[data["adm_1"] == unit]
        in_data = monthly_dispersion(rows["day"])
        simulated = [
            monthly_dispersion(
                inc.loc[
                    (inc["type"] == "background")
                    & ((inc["governorate"] == unit) if unit else True),
                    "day",
                ]
            )
            for inc in tr_sy_runs
        ]
        assert in_data > 3 and np.median(simulated) > 3, (unit, in_data, simulated)
        low, high = np.percentile(simulated, [2.5, 97.5])
        assert low / 2 < in_data < 2 * high, (unit, in_data, low, high)


def test_background_events_happen_on_the_syrian_side_opposite_their_governorate(tr_sy_runs):
    inc = tr_sy_runs[0]
    bg = inc[inc["type"] == "background"]
    assert len(bg) > 500 and (bg["side"] == "Syria").all()
    assert not bg["border_incident"].any() and not bg["detected"].any()
    assert bg["casualties"].max() > 20 and (bg["casualties"] == 0).any()
    assert bg["actor"].unique().tolist() == ["background_violence"]


def hardship_over(params, days: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Daily mean hardship and displaced share of every (side, sector) over a run."""
    model = RoadmapModel(params, days, seed)
    hardship = np.zeros_like(model.communities.hardship)
    displaced = np.zeros_like(hardship)
    for _ in range(days):
        model.step()
        hardship += model.communities.hardship
        displaced += model.communities.displaced
    return hardship / days, displaced / days


def test_background_violence_strikes_only_the_cells_opposite_governorates_with_events():
    """Paired runs (same seed), with and without a background process in Latakia alone:
    hardship and displacement rise in every Syrian-side sector opposite Latakia, and
    elsewhere hardly at all (other cells move only through what the extra hardship does
    later: crossings, recruits, their attacks; noise that averages out over seeds).
    Spread evenly over the border, the rise would be the same everywhere."""
    base = model_params(config("scenario=baseline", "geography=tr_sy"))
    latakia = GovernorateProcess("Latakia Governorate", baseline=0.3, branching=0.5, decay=0.2)
    only = dataclasses.replace(base.background, governorates=[latakia])
    with_bg = dataclasses.replace(base, background=only)
    without = dataclasses.replace(base, background=dataclasses.replace(only, governorates=[]))
    opposite = np.array(sector_governorates(base.geography, build_border(base.geography)))
    struck = np.zeros((2, len(opposite)), dtype=bool)
    struck[1] = opposite == "Latakia Governorate"
    rises = []
    for seed in range(1, 5):
        h1, d1 = hardship_over(with_bg, 120, seed)
        h0, d0 = hardship_over(without, 120, seed)
        rises.append((h1 - h0, d1 - d0))
        assert (h1 - h0)[struck].min() > 0 and (d1 - d0)[struck].min() > 0
    for rise in np.mean(rises, axis=0):  # hardship, then displaced share
        here, elsewhere = rise[struck].mean(), np.abs(rise[~struck])
        assert elsewhere.mean() < 0.05 * here and elsewhere.max() < 0.25 * here, rise


def test_without_background_violence_a_run_is_unchanged(monkeypatch):
    """Stylised (no process): identical summaries with the process object and with none
    at all, so it draws nothing and shifts no other agent's random stream."""
    cfg = config("scenario=roadmap", "days=400")
    params = model_params(cfg)
    seeds = replication_seeds(cfg.seed, 3)
    present = [simulate(params, cfg.days, s).summary for s in seeds]

    class Absent:
        ged_types = np.zeros(0, dtype=np.int8)

        def __init__(self, model):
            pass

        def step(self, day):
            pass

    monkeypatch.setattr(model_module, "BackgroundViolence", Absent)
    absent = [simulate(params, cfg.days, s).summary for s in seeds]
    for a, b in zip(present, absent, strict=True):
        assert a["background"] == 0
        pd.testing.assert_series_equal(pd.Series(a), pd.Series(b))


def test_every_scenario_of_a_seed_sees_the_same_background_events():
    """Its stream is keyed by the seed, not spawned in turn: a scenario with other
    measures, or another number of patrol units (more streams spawned before it),
    draws the very same background events."""

    def events(*overrides):
        cfg = config("geography=tr_sy", "days=200", *overrides)
        inc = simulate(model_params(cfg), cfg.days, 11).incidents
        return inc.loc[inc["type"] == "background", ["day", "sector", "casualties", "ged_type"]]

    reference = events("scenario=baseline")
    assert len(reference) > 50
    for other in (["scenario=all_at_once"], ["scenario=baseline", "patrol.units_per_side=30"]):
        pd.testing.assert_frame_equal(
            events(*other).reset_index(drop=True), reference.reset_index(drop=True)
        )


def test_a_background_process_opposite_no_sector_is_refused():
    params = model_params(config("geography=tr_sy"))
    for name, message in [
        ("Damascus Governorate", "no sector of geography tr_sy lies opposite it"),
        ("Aleppo Governorate", "listed twice"),
    ]:
        bad = [*params.background.governorates, GovernorateProcess(name, 0.1, 0.5, 0.2)]
        with pytest.raises(ConfigError, match=message):
            validate(
                dataclasses.replace(
                    params, background=dataclasses.replace(params.background, governorates=bad)
                )
            )
    assert IncidentType.BACKGROUND.label == "background"


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ("[0.5,0.4]", r"ged_type_shares=\[0.5, 0.4\]: needs 3 shares \(GED codes 1, 2, 3\)"),
        ("[0.5,0.4,0.2]", "summing to 1"),
        ("[1.5,-0.2,-0.3]", "out of range, allowed 0.0 to 1.0"),
    ],
)
def test_background_type_shares_that_are_no_shares_are_refused_naming_the_key(shares, message):
    one = f"{{name: Aleppo Governorate, baseline: 0.1, ged_type_shares: {shares}}}"
    key = r"background.governorates\[0\].ged_type_shares(\.\d)?="  # (an element by index)
    with pytest.raises(ConfigError, match=key):
        config("geography=tr_sy", f"background.governorates=[{one}]")
    with pytest.raises(ConfigError, match=message):
        config("geography=tr_sy", f"background.governorates=[{one}]")


def test_the_models_background_types_follow_each_governorates_shares():
    """Every background event of a governorate draws its GED code from that governorate's
    shares: an all-non-state governorate gives only code 2; others give each code about as
    often as their shares say (hundreds of events each: within 4 binomial standard errors)."""
    base = model_params(config("scenario=baseline", "geography=tr_sy", "days=400"))
    mixes = {
        "Aleppo Governorate": [0.2, 0.3, 0.5],
        "Idlib Governorate": [0.0, 1.0, 0.0],
        "Latakia Governorate": [0.7, 0.1, 0.2],
    }
    processes = [
        dataclasses.replace(g, ged_type_shares=mixes.get(g.name, g.ged_type_shares))
        for g in base.background.governorates
    ]
    params = dataclasses.replace(
        base, background=dataclasses.replace(base.background, governorates=processes)
    )
    bg = pd.concat(
        [
            (inc := simulate(params, 400, seed).incidents)[inc["type"] == "background"]
            for seed in range(1, 4)
        ]
    )
    for name, shares in mixes.items():
        codes = bg.loc[bg["governorate"] == name, "ged_type"].to_numpy()
        assert len(codes) > 100, name
        for code, share in zip((1, 2, 3), shares, strict=True):
            seen = (codes == code).mean()
            assert abs(seen - share) <= 4 * np.sqrt(share * (1 - share) / len(codes)), (name, code)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--days", "-5"],
            "error: --days=-5: allowed 30 to 731 (the data's years end on 2017-12-31)",
        ),
        (["--days", "100000000"], "error: --days=100000000: allowed 30 to 731"),
        (["--days", "abc"], "error: argument --days: invalid int value: 'abc'"),
        (["--start", "nope"], "error: --start=nope: not a date; expected YYYY-MM-DD"),
        (["--start", "2015-01-01"], "error: --start=2015-01-01: outside the data's years"),
        (["--days", "30"], "error: --start=2016-01-01 --days=30: 2 events: too few to fit"),
        (["--data", "."], "is a directory; expected a GED-format CSV file"),
        (["--data", "/dev/null"], "is not a regular file (a device, pipe or socket)"),
        (["--epochs", "2017-13-01"], "error: --epochs=2017-13-01: '2017-13-01' is not a date"),
        (["--epochs", "2015-06-01"], "error: --epochs=2015-06-01: 2015-06-01 must fall after"),
        (["--epochs", "2017-01-01,2016-06-01"], "after the epoch before it"),
    ],
)
def test_the_fit_refuses_a_bad_window_or_file_in_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as ended:
        background_fit_main(args)
    err = capsys.readouterr().err
    assert ended.value.code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert message in err


def test_a_look_ahead_future_draws_the_background_anew_continuing_its_history():
    """A reseeded copy (one more future from today) redraws the background from today on:
    the days before stay, the same key draws the same, another key other events, and the
    events of the next month average what the process expects given the events so far
    (the history's excitation decays as exp(-decay * (1 - branching) * t)). A future that
    ignored the history would expect a count far off, measured at the day after the
    densest burst of the run's first 300 days."""
    import copy

    m = RoadmapModel(config("geography=tr_sy", "scenario=baseline", "days=400"), 400, 3)
    bg = m.background
    excite = [  # per day: the excess intensity the events so far leave, all governorates
        sum(
            g.branching * g.decay * np.exp(-g.decay * (d - t[t < d])).sum()
            for g, t in zip(m.params.background.governorates, bg._times, strict=True)
        )
        for d in range(100, 300)
    ]
    first = 100 + int(np.argmax(excite))
    m.run_for(first)

    def background(model: RoadmapModel) -> list:
        return [r for r in model.log.rows if r[3] == IncidentType.BACKGROUND]

    futures = {}
    for key in (1, 1, 2):
        future = copy.deepcopy(m)
        future.reseed(key)
        future.run_for(60)
        futures.setdefault(key, []).append(background(future))
    same = [r for r in futures[1][0] if r[0] < first]
    assert same == [r for r in futures[2][0] if r[0] < first] == background(m)
    assert futures[1][0] == futures[1][1] != futures[2][0]

    for start, window in ((first, 30), (340, 50)):  # the second crosses the epoch (day 366)
        _check_redraws(m, start, window)


def _expected_count(model: RoadmapModel, first: int, window: int, history: bool = True) -> float:
    """The expected number of background events in ``[first, first + window)`` given the
    events before ``first`` (none if not ``history``): per governorate the intensity is
    mu + E, mu the baseline times the epoch's level (it steps at an epoch), E the mean
    excitation, which solves E' = decay * (branching * mu - (1 - branching) * E) from the
    history's excitation at ``first`` (continuous across an epoch)."""
    p = model.params.background
    steps = [(first, 1.0)] + [(e.start_day, e.factor) for e in p.epochs]
    level_at = lambda t: [f for d, f in steps if d <= t][-1]  # noqa: E731
    total = 0.0
    for g, times in zip(p.governorates, model.background._times, strict=True):
        past = times[times < first] if history else times[:0]
        excite = g.branching * g.decay * np.exp(-g.decay * (first - past)).sum()
        c = g.decay * (1 - g.branching)
        cuts = sorted({first, first + window, *(d for d, _ in steps if first < d < first + window)})
        for lo, hi in zip(cuts, cuts[1:], strict=False):
            mu = g.baseline * level_at(lo)
            settled = g.branching * mu / (1 - g.branching)  # E's level under this mu
            total += (mu + settled) * (hi - lo) + (excite - settled) * (
                1 - np.exp(-c * (hi - lo))
            ) / c
            excite = settled + (excite - settled) * np.exp(-c * (hi - lo))
    return total


def _check_redraws(model: RoadmapModel, first: int, window: int) -> None:
    """200 redraws from ``first``: the mean count of the window against its expectation
    given the history (and far from the one without it), the share of events without a
    death, and each governorate's shares of GED types."""
    bg, p = model.background, model.params.background
    opposite = np.asarray(sector_governorates(model.params.geography, model.border))
    counts, zero, types = [], [], {g.name: [] for g in p.governorates}
    for key in range(200):
        bg.redraw(first, np.random.default_rng(key))
        lo, hi = bg._bounds[first], bg._bounds[first + window]
        counts.append(hi - lo)
        zero += [d == 0 for d in bg._deaths[lo:]]
        for sector, kind in zip(bg._sectors[lo:], bg.ged_types[lo:], strict=True):
            types[opposite[sector]].append(kind)
        assert len(bg.ged_types) == len(bg._deaths) == len(bg._sectors) == bg._bounds[-1]
    se = np.std(counts, ddof=1) / np.sqrt(len(counts))
    expected = _expected_count(model, first, window)
    assert abs(np.mean(counts) - expected) < 4 * se, (first, np.mean(counts), expected, se)
    assert abs(_expected_count(model, first, window, history=False) - expected) > 8 * se or (
        first == 340  # (the second window checks the epoch, not the history)
    )
    share = p.deaths_zero_share
    assert abs(np.mean(zero) - share) < 4 * np.sqrt(share * (1 - share) / len(zero))
    for g in p.governorates:
        kinds = np.asarray(types[g.name])
        for code, want in zip((1, 2, 3), g.ged_type_shares, strict=True):
            got = np.mean(kinds == code)
            assert abs(got - want) < 4 * np.sqrt(want * (1 - want) / kinds.size) + 1e-9, g.name


def test_an_empty_horizon_draws_nothing():
    rng = np.random.default_rng(0)
    assert simulate_hawkes(rng, 0.2, 0.5, 0.3, 0.0).size == 0
    m = RoadmapModel(config("geography=tr_sy", "scenario=baseline", "days=40"), 40, 1)
    m.run_for(40)
    before = list(m.background._deaths)
    m.reseed(3)  # at the horizon: nothing left to draw
    assert m.background._deaths == before
