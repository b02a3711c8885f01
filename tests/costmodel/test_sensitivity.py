"""Sensitivity (issue 21 item 3): each parameter 20% lower and higher, by hand with the
round-number test model, and the table in the export."""

import csv
import io
from decimal import Decimal

from clb.costmodel import export, presentation, sensitivity, services
from tests.factories import T0

D = Decimal
V = "2099.1"
SMALL_LEVELS = {"vestigingen": "bereik", "openingsuren": "basis", "collectie": "basis",
                "ido": "basis", "bibliobus": "basis"}  # fmt: skip


def test_the_parameters_that_move_the_subsidy_most(test_model, towns):
    s = services.session(services.resolve_area(["GM9001"]), version=V, at=T0)
    r = services.compute(s.area, SMALL_LEVELS, start="leeg", s=s)
    assert r.net == D("256000.00")
    swings = sensitivity.swings(r, s.data)
    by = {sw.parameter.code: sw for sw in swings}
    # 3,600 staff hours (3 × 20 h + 3 × 4 h IDO, 50 weeks) at €40 and €60.
    hourly = by["uurkosten_personeel"]
    assert (hourly.low, hourly.high) == (40, 60)
    assert (hourly.net_low, hourly.net_high) == (D("220000.00"), D("292000.00"))
    assert (hourly.cost_low, hourly.cost_high) == (D("228000.00"), D("300000.00"))
    # Weeks per year are bounded at 53: 72 hours a week × €50 more for 3 weeks.
    weeks = by["weken_per_jaar"]
    assert (weeks.low, weeks.high, weeks.net_high) == (40, 53, D("266800.00"))
    # Income moves the subsidy needed, not the cost: the IDO grant of €1 per inhabitant.
    grant = by["ido_uitkering_per_inwoner"]
    assert (grant.net_low, grant.net_high) == (D("257600.00"), D("254400.00"))
    assert grant.cost_low == grant.cost_high == r.total_cost
    # Largest swing first; what does not move the subsidy needed is left out.
    assert [sw.parameter.code for sw in swings[:3]] == [
        "uurkosten_personeel", "uren_per_week_basis", "weken_per_jaar",
    ]  # fmt: skip
    assert "subsidie_per_inwoner" not in by and "inwoners_per_vestiging" not in by
    assert all(a.width >= b.width for a, b in zip(swings, swings[1:], strict=False))
    # A table in the export.
    rows = list(
        csv.reader(io.StringIO(export.to_csv(export.tables(r, swings=swings))), delimiter=";")
    )
    start = rows.index(["Gevoeligheid"])
    header, first = rows[start + 1], rows[start + 2]
    assert header[0] == "parameter" and first[0] == "uurkosten_personeel"
    assert first[header.index("subsidie nodig bij hoger (€)")] == "292000,00"


def test_a_subsidy_of_zero_or_less_is_never_a_figure(test_model, towns):
    """Merged with h-steer's rule (Result.net_is_answer): a swing that takes the subsidy to zero
    or below shows "niet te bepalen"; a scenario that is no answer gets no sensitivity, and its
    comparison columns and budget room are empty."""
    s = services.session(services.resolve_area(["GM9001"]), version=V, at=T0)
    # An IDO grant of €30 per inhabitant: net 264,000 − 8,000 × 30 = 24,000; at +20% −24,000.
    r = services.compute(s.area, SMALL_LEVELS, {"ido_uitkering_per_inwoner": 30}, start="leeg", s=s)
    assert r.net == D("24000.00") and r.net_is_answer
    grant = {sw.parameter.code: sw for sw in sensitivity.swings(r, s.data)}[
        "ido_uitkering_per_inwoner"
    ]
    assert (grant.net_low, grant.net_high) == (D("72000.00"), D("-24000.00"))
    assert (grant.answer_low, grant.answer_high) == (D("72000.00"), None)
    rows = list(
        csv.reader(io.StringIO(export.to_csv(export.tables(r, swings=[grant]))), delimiter=";")
    )
    header, row = rows[rows.index(["Gevoeligheid"]) + 1], rows[rows.index(["Gevoeligheid"]) + 2]
    assert row[header.index("subsidie nodig bij hoger (€)")] == "niet te bepalen"
    assert row[header.index("subsidie nodig bij lager (€)")] == "72000,00"
    # €40 per inhabitant: the subsidy itself is no answer.
    rich = services.compute(
        s.area, SMALL_LEVELS, {"ido_uitkering_per_inwoner": 40}, start="leeg", s=s
    )
    assert rich.net == D("-56000.00") and not rich.net_is_answer
    assert sensitivity.swings(rich, s.data) == []
    columns = services.compare_starts(s, rich, budget="250000")
    own = columns[-1]
    assert own.code == "eigen" and own.budget_room is None and own.fits is None
    blocks, totals = presentation.compare_columns(columns)
    needed = dict(totals)["subsidie nodig per jaar"]
    assert needed[-1] is None and all(v is None or v > 0 for v in needed)
