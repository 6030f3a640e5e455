"""The day loop: periodic routines run when Mesa would run them as events, whichever way
the model is driven (``run``, ``step``, ``run_for``)."""

import mesa
from conftest import config
from mesa.time import Priority, Schedule

from sim.model.model import RoadmapModel
from sim.runs.runner import model_params
from sim.runs.tables import collect

DAYS = 120
PERIODS = {"patrol.redeploy_days": 3, "armed_groups.recruit_every_days": 7}
ROUTINES = ("_redeploy", "_recruit", "_deploy_monitors")


class TracedModel(RoadmapModel):
    """Records (steps, routine) each time a routine runs after construction."""

    def __init__(self, *args, **kwargs) -> None:
        self.trace: list[tuple[int, str]] | None = None
        super().__init__(*args, **kwargs)
        self.trace = []

    def _redeploy(self) -> None:
        if self.trace is not None:
            self.trace.append((self.steps, "_redeploy"))
        super()._redeploy()

    def _recruit(self) -> None:
        self.trace.append((self.steps, "_recruit"))
        super()._recruit()

    def _deploy_monitors(self) -> None:
        self.trace.append((self.steps, "_deploy_monitors"))
        super()._deploy_monitors()


def params():
    overrides = [f"{k}={v}" for k, v in PERIODS.items()]
    return model_params(config("scenario=roadmap", f"days={DAYS}", *overrides))


def mesa_order(periods: list[int], days: int) -> list[tuple[int, str]]:
    """The order Mesa's event list runs the routines in, as recurring events of low
    priority after a daily step (the model's routines before this module existed)."""
    model = mesa.Model(rng=0)
    trace: list[tuple[int, str]] = []
    handlers = []
    for name, every, start in zip(ROUTINES, periods, (periods[0], periods[1], 1), strict=True):

        def handler(name=name) -> None:
            trace.append((model.steps, name))

        handlers.append(handler)  # Mesa keeps only weak references
        model.schedule_recurring(handler, Schedule(every, start=start), Priority.LOW)
    model.run_for(days)
    return trace


def test_routines_run_in_the_order_of_mesas_event_list():
    p = params()
    model = TracedModel(p, DAYS, 3).run()
    periods = [p.patrol.redeploy_days, p.armed_groups.recruit_every_days, p.monitors.redeploy_days]
    expected = mesa_order(periods, DAYS)
    assert model.trace == expected
    assert any(a[0] == b[0] for a, b in zip(expected, expected[1:], strict=False))  # ties


def test_run_step_and_run_for_give_the_same_numbers():
    p = params()
    ran = RoadmapModel(p, DAYS, 5).run()
    stepped = RoadmapModel(p, DAYS, 5)
    while stepped.running:
        stepped.step()
    chunked = RoadmapModel(p, DAYS, 5)
    chunked.run_for(45)
    chunked.run_for(DAYS - 45)
    for model in (stepped, chunked):
        assert collect(model).summary == collect(ran).summary
    assert ran.steps == stepped.steps == chunked.steps == DAYS
    assert ran.time == stepped.time == chunked.time == DAYS


def test_after_run_the_model_steps_on_through_mesa():
    model = RoadmapModel(params(), DAYS, 1).run()
    summary = collect(model).summary
    model.step()  # past the horizon: nothing left to simulate
    model.run_for(2)
    assert model.steps == model.time == DAYS + 3 and not model.running
    assert collect(model).summary == summary


def test_mesas_log_line_of_each_step_is_written_when_its_logger_listens(caplog):
    """The model's step formats Mesa's log line only when Mesa's logger is on; on, the
    lines are Mesa's, a line a day, whichever way the model is driven."""
    import mesa.model

    model = RoadmapModel(params(), DAYS, 2)
    with caplog.at_level("INFO", logger=mesa.model._mesa_logger.name):
        model.step()
        model.run_for(2)
    with caplog.at_level("WARNING", logger=mesa.model._mesa_logger.name):
        model.run_for(2)
    steps = [r.getMessage() for r in caplog.records if r.name == mesa.model._mesa_logger.name]
    assert steps == ["Step 1 at time 1.0", "Step 2 at time 2.0", "Step 3 at time 3.0"]


def test_mesas_step_is_still_what_the_models_repeats():
    """``RoadmapModel._do_step`` repeats Mesa's (steps + 1, its log line, the user's step)
    so as to format the line only when it is logged; a Mesa whose step does more must be
    followed there."""
    import ast
    import inspect
    import textwrap

    body = ast.parse(textwrap.dedent(inspect.getsource(mesa.Model._do_step))).body[0].body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # its docstring
    assert [ast.unparse(node) for node in body] == [
        "self.steps += 1",
        "_mesa_logger.info(f'Step {self.steps} at time {self.time}')",
        "self._user_step()",
    ]
