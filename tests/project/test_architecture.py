"""The arrows between rooms are kept by import-linter's contracts (pyproject.toml, ARCHITECTURE.md).
The project keeps them, and each contract breaks when someone writes a wrong arrow: a copy of the
code with one import added fails `lint-imports`, naming the contract."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")

LAYERS = "Arrows run one way"
NO_PERSON = "The steering rooms read no person"
CORE = "The core imports no interface"


def _lint(src: Path) -> subprocess.CompletedProcess:
    """lint-imports with the project's contracts over the package in `src`."""
    return subprocess.run(
        [str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=src,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _broken(result: subprocess.CompletedProcess) -> set[str]:
    """The contracts the summary reports broken (by the start of their names)."""
    text = " ".join(result.stdout.split())  # long names wrap
    broken = set()
    for name in (LAYERS, NO_PERSON, CORE):
        start = text.index(name)
        verdicts = [p for p in (text.find(" KEPT", start), text.find(" BROKEN", start)) if p != -1]
        if text[min(verdicts) :].startswith(" BROKEN"):
            broken.add(name)
    return broken


@pytest.fixture(scope="module")
def code_copy(tmp_path_factory) -> Path:
    """The package's Python files, which is all the contracts read."""
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(
        ROOT / "src" / "clb",
        src / "clb",
        ignore=lambda folder, names: [
            n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()
        ],
    )
    return src


def test_the_project_keeps_every_contract():
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


WRONG_ARROWS = [
    # (module that gets the import, the import, the contracts it breaks)
    ("circulation/services.py", "from clb.cockpit import engine", {LAYERS, CORE}),
    ("members/services.py", "from clb.circulation import services", {LAYERS}),
    ("statistics/events.py", "from clb.members.models import Patron", {LAYERS}),
    ("network/models.py", "from clb.accounts.models import User", {LAYERS}),
    # Indirect too: the cockpit reads catalogue.models, which would now lead to members.
    ("catalogue/models.py", "from clb.web import access", {LAYERS, CORE, NO_PERSON}),
    ("web/views/public.py", "from clb.selfservice import services", {LAYERS}),
    ("cockpit/facts.py", "from clb.members.models import Patron", {NO_PERSON}),
    ("costmodel/live.py", "from clb.circulation.models import Loan", {NO_PERSON}),
    ("services/services.py", "from clb.members import services", {NO_PERSON}),
]


@pytest.mark.parametrize("module, line, broken", WRONG_ARROWS, ids=[w[1] for w in WRONG_ARROWS])
def test_a_wrong_arrow_breaks_its_contract(code_copy, module, line, broken):
    target = code_copy / "clb" / module
    original = target.read_text()
    target.write_text(original + f"\n{line}  # a wrong arrow\n")
    try:
        result = _lint(code_copy)
    finally:
        target.write_text(original)
    assert result.returncode != 0
    assert _broken(result) == broken, result.stdout


def test_a_room_nobody_placed_breaks_the_layers(code_copy):
    """exhaustive: a new package under clb/ must get its place in the layers."""
    room = code_copy / "clb" / "notices"
    room.mkdir()
    (room / "__init__.py").write_text("")
    try:
        result = _lint(code_copy)
    finally:
        shutil.rmtree(room)
    assert _broken(result) == {LAYERS}, result.stdout
    assert "clb.notices" in result.stdout
