"""`make test` on a fresh machine: its setup step installs PostgreSQL and Chromium or names the
command, and a missing one is never silent (CI fails, elsewhere the closing summary says so).

A missing program is simulated by the places the step looks (PATH, CLB_PG_BINDIR), not by
uninstalling it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import ensure_system

ROOT = Path(__file__).resolve().parents[2]


def machine(
    tmp_path: Path,
    *,
    postgresql: bool,
    chromium: bool,
    ci: bool = False,
    yaz: bool = True,
    pgbouncer: bool = True,
) -> dict:
    """An environment in which PostgreSQL's server programs, Chromium (and YAZ, PgBouncer) are
    there or not."""
    path, pg = tmp_path / "bin", tmp_path / "pg"
    path.mkdir(exist_ok=True)
    pg.mkdir(exist_ok=True)
    present = (
        ([pg / "initdb", pg / "pg_ctl"] if postgresql else [])
        + ([path / "chromium"] if chromium else [])
        + ([path / "zoomsh"] if yaz else [])
        + ([path / "pgbouncer"] if pgbouncer else [])
    )
    for program in present:
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    return dict(os.environ, PATH=str(path), CLB_PG_BINDIR=str(pg), CI="true" if ci else "")


def setup_step(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/ensure_system.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_dry_run_names_what_it_would_install(tmp_path):
    bare = setup_step(machine(tmp_path, postgresql=False, chromium=False), "--dry-run")
    assert bare.returncode == 0, bare.stderr
    # As root it would run the command, otherwise it names it; either way the same packages.
    assert "apt-get install -y postgresql chromium" in bare.stdout
    browserless = setup_step(machine(tmp_path, postgresql=True, chromium=False), "--dry-run")
    assert "apt-get install -y chromium" in browserless.stdout
    assert "postgresql" not in browserless.stdout


def test_dry_run_on_a_complete_machine_installs_nothing(tmp_path):
    ready = setup_step(machine(tmp_path, postgresql=True, chromium=True), "--dry-run")
    assert ready.returncode == 0
    assert "nothing to install" in ready.stdout and "apt-get" not in ready.stdout


def test_as_root_it_installs_otherwise_it_names_the_command(tmp_path):
    env = machine(tmp_path, postgresql=False, chromium=False)
    said = []
    assert ensure_system.ensure(env, dry_run=True, root=True, out=said.append) == 0
    assert said == [
        "would run: apt-get update",
        "would run: apt-get install -y postgresql chromium",
    ]
    said.clear()
    assert ensure_system.ensure(env, root=False, out=said.append) == 0
    assert said == [
        "missing: postgresql, chromium. Install with:\n"
        "  sudo apt-get update && sudo apt-get install -y postgresql chromium"
    ]


def test_under_ci_a_missing_piece_fails_the_setup_step(tmp_path):
    env = machine(tmp_path, postgresql=True, chromium=False, ci=True)
    said = []
    assert ensure_system.ensure(env, root=False, out=said.append) == 1
    assert said[-1] == "CI=true: failing, because the suite cannot run without chromium"
    assert setup_step(env).returncode == 1  # not root in this run or not: never a silent pass
    complete = machine(tmp_path, postgresql=True, chromium=True, ci=True)
    assert ensure_system.ensure(complete, root=False, out=said.append) == 0


def test_the_runner_learns_what_is_missing_and_what_its_summary_says(tmp_path):
    env = machine(tmp_path, postgresql=False, chromium=False)
    assert setup_step(env, "--missing").stdout.split() == ["postgresql", "chromium"]
    assert setup_step(env, "--skipped").stdout.splitlines() == [
        "PostgreSQL half skipped: postgresql missing",
        "browser tests skipped: chromium missing",
    ]
    complete = machine(tmp_path, postgresql=True, chromium=True)
    assert setup_step(complete, "--skipped").stdout == ""


def browser_tests(env: dict) -> subprocess.CompletedProcess:
    """The browser tests in a pytest of their own, on SQLite in a folder of their own."""
    env = dict(env, CLB_PLAIN_STATIC="1")
    env.pop("CLB_DATABASE_URL", None)  # the running suite's PostgreSQL test database is not ours
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/web/test_browser.py", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("ci", [False, True])
def test_without_chromium_browser_tests_are_never_skipped_silently(tmp_path, ci):
    env = dict(
        machine(tmp_path, postgresql=True, chromium=False, ci=ci), CLB_DATA_DIR=str(tmp_path)
    )
    run = browser_tests(env)
    if ci:
        assert run.returncode != 0
        assert "CI=true: chromium missing" in run.stdout + run.stderr
        assert " passed" not in run.stdout
    else:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "browser tests skipped: chromium missing" in run.stdout
