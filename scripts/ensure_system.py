"""What `make test` needs from the machine besides Python, and installing it when it is missing.

    python scripts/ensure_system.py             install what is missing (as root: apt-get), or say
                                                which command installs it (not root)
    python scripts/ensure_system.py --dry-run   print what it would install or say, change nothing
    python scripts/ensure_system.py --missing   the Debian packages still missing, one a line
    python scripts/ensure_system.py --skipped   the lines the closing summary prints for them

Under CI (CI=true) anything still missing fails with the reason: a green CI run has run every test.
Elsewhere the suite runs without it and the closing summary says what was skipped.

Where the programs are looked for: PostgreSQL's server programs in CLB_PG_BINDIR when set, else the
newest /usr/lib/postgresql/*/bin, else on PATH; Chromium as `chromium` and YAZ as `zoomsh` on PATH, PgBouncer on PATH or in /usr/sbin.
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass


def postgres_bindir(environ: Mapping[str, str] = os.environ) -> str | None:
    """The folder with PostgreSQL's initdb and pg_ctl, or None."""
    if configured := environ.get("CLB_PG_BINDIR"):
        candidates = [configured]
    else:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
        on_path = shutil.which("initdb", path=environ.get("PATH", os.defpath))
        candidates += [os.path.dirname(on_path)] if on_path else []
    for candidate in candidates:
        if all(os.access(os.path.join(candidate, p), os.X_OK) for p in ("initdb", "pg_ctl")):
            return candidate
    return None


def chromium_path(environ: Mapping[str, str] = os.environ) -> str | None:
    """Debian's Chromium, which the browser tests drive through Playwright, or None."""
    return shutil.which("chromium", path=environ.get("PATH", os.defpath))


def zoomsh_path(environ: Mapping[str, str] = os.environ) -> str | None:
    """YAZ's zoomsh, an SRU client the exchange tests use that CLB did not write, or None."""
    return shutil.which("zoomsh", path=environ.get("PATH", os.defpath))


def pgbouncer_path(environ: Mapping[str, str] = os.environ) -> str | None:
    """Debian's PgBouncer (in /usr/sbin, often not on a user's PATH), or None."""
    return shutil.which("pgbouncer", path=environ.get("PATH", os.defpath)) or shutil.which(
        "pgbouncer", path="/usr/sbin"
    )


@dataclass(frozen=True)
class Need:
    package: str  # the Debian package that provides it
    serves: str  # the part of the suite that cannot run without it
    find: Callable[[Mapping[str, str]], str | None]

    @property
    def reason(self) -> str:
        return f"{self.package} missing"

    @property
    def skipped(self) -> str:
        """What the closing summary says when it is missing outside CI."""
        return f"{self.serves} skipped: {self.reason}"


POSTGRESQL = Need("postgresql", "PostgreSQL half", postgres_bindir)
CHROMIUM = Need("chromium", "browser tests", chromium_path)
YAZ = Need("yaz", "SRU test with YAZ", zoomsh_path)
PGBOUNCER = Need("pgbouncer", "PgBouncer test", pgbouncer_path)
NEEDS = (POSTGRESQL, CHROMIUM, YAZ, PGBOUNCER)


def under_ci(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(environ: Mapping[str, str] = os.environ) -> list[Need]:
    return [need for need in NEEDS if need.find(environ) is None]


def install_commands(packages: list[str]) -> list[list[str]]:
    return [["apt-get", "update"], ["apt-get", "install", "-y", *packages]]


def as_text(command: list[str]) -> str:
    return " ".join(command)


def advice(packages: list[str]) -> str:
    """The one message for someone who cannot install: which command to run as root."""
    commands = " && ".join(f"sudo {as_text(c)}" for c in install_commands(packages))
    return f"missing: {', '.join(packages)}. Install with:\n  {commands}"


def ensure(
    environ: Mapping[str, str] = os.environ,
    *,
    dry_run: bool = False,
    root: bool | None = None,
    out=print,
) -> int:
    """Install what is missing when allowed; 1 when CI would run without it, else 0."""
    root = os.geteuid() == 0 if root is None else root
    packages = [need.package for need in missing(environ)]
    if not packages:
        out(f"system: nothing to install ({', '.join(n.package for n in NEEDS)} present)")
        return 0
    if root and dry_run:
        for command in install_commands(packages):
            out(f"would run: {as_text(command)}")
        return 0
    if root:
        apt_env = dict(environ, DEBIAN_FRONTEND="noninteractive")
        for command in install_commands(packages):
            out(f"running: {as_text(command)}")
            try:
                if subprocess.run(command, env=apt_env).returncode != 0:
                    break
            except FileNotFoundError:
                out("apt-get is not available here: install the packages by hand")
                break
        packages = [need.package for need in missing(environ)]
        if not packages:
            return 0
        out(f"still missing after apt-get: {', '.join(packages)}")
    else:
        out(advice(packages))
    if under_ci(environ):
        out(f"CI=true: failing, because the suite cannot run without {', '.join(packages)}")
        return 1
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print what it would do")
    mode.add_argument("--missing", action="store_true", help="the packages still missing")
    mode.add_argument("--skipped", action="store_true", help="the closing summary's lines")
    args = parser.parse_args(argv)
    if args.missing or args.skipped:
        for need in missing():
            print(need.package if args.missing else need.skipped)
        return 0
    return ensure(dry_run=args.dry_run)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
