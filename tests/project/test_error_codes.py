"""Refusal codes are enums per room (circulation/errors.py, members/errors.py): a room raises only
its own members, and each interface maps them in one table whose keys are members too — so a
misspelt code fails at once instead of never matching (as NCIP's "item_hold_other" never did)."""

import ast
from pathlib import Path

import pytest

from clb.circulation.errors import CirculationError, Code
from clb.exchange.ncip import problems
from clb.members.errors import Code as MemberCode
from clb.members.errors import MemberError
from clb.selfservice.sip2 import refusals as kiosk
from clb.web import refusals as desk

SRC = Path(__file__).resolve().parents[2] / "src" / "clb"


def test_an_error_carries_a_member_of_its_rooms_enum():
    assert CirculationError("x", code="on_loan").code is Code.ON_LOAN
    # A member's borrowing block refuses a loan with the block's own code.
    assert CirculationError("x", code=MemberCode.FEES).code is MemberCode.FEES
    assert MemberError("x", field="postcode").code is MemberCode.INPUT
    with pytest.raises(ValueError, match="on_lone"):
        CirculationError("x", code="on_lone")
    with pytest.raises(ValueError):
        MemberError("x", code=Code.ON_LOAN)  # circulation's, not members'
    with pytest.raises(ValueError):
        CirculationError("x")  # every circulation refusal says which


def _string_codes(path: Path) -> list[str]:
    """Places that pass a code as a bare string: code="…", Block("…", …),
    RenewalCheck(False, "…", …)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        values = [k.value for k in node.keywords if k.arg == "code"]
        values += {"Block": node.args[:1], "RenewalCheck": node.args[1:2]}.get(name, [])
        found += [
            f"{path.name}:{node.lineno}"
            for v in values
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
        ]
    return found


@pytest.mark.parametrize("room", ["circulation", "members"])
def test_the_rooms_write_codes_as_enum_members(room):
    files = sorted((SRC / room).glob("*.py"))
    assert files
    assert [hit for path in files for hit in _string_codes(path)] == []


@pytest.mark.parametrize(
    "table",
    [kiosk.ANSWERS, desk.ANSWERS, problems.BY_CODE],
    ids=["sip2", "desk", "ncip"],
)
def test_each_interface_maps_enum_members(table):
    assert table
    assert all(isinstance(code, Code | MemberCode) for code in table), list(table)
