"""Throw-away PostgreSQL clusters for tests and benchmarks.

    python scripts/pg.py -- COMMAND ...   runs COMMAND with CLB_DATABASE_URL pointing at a fresh
                                          cluster (initdb in a temporary folder, a free port), and
                                          removes the cluster afterwards.

`Cluster` is the same thing as an object a test can hold: it can stop the server (as a crash
would, with `-m immediate`) and start it again on the same port and data (tests/faults).

As root (CI, sandboxes) initdb refuses to run, so the cluster is owned by the `postgres` user.
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile

try:
    from ensure_system import postgres_bindir  # run as a script: this folder is on sys.path
except ImportError:
    from scripts.ensure_system import postgres_bindir  # imported (tests/faults)


def server_bin() -> str:
    if found := postgres_bindir():
        return found
    sys.exit(
        "PostgreSQL's server programs (initdb, pg_ctl) are missing. Install them, for example\n"
        "  apt-get install postgresql\n"
        "(or point CLB_PG_BINDIR at their folder) and run this again."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Fast and unsafe: a test cluster need not survive a crash of the machine.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class Cluster:
    """A PostgreSQL cluster in a temporary folder, listening on a free loopback port.

    durable=True keeps PostgreSQL's defaults for writing to disk, so that a stop with
    `-m immediate` (the postmaster and every backend killed, recovery from the WAL at the next
    start) behaves as in production: what was committed stays committed."""

    def __init__(self, *, durable: bool = False, max_connections: int = 200):
        self.bindir = server_bin()
        self.durable = durable
        self.max_connections = max_connections
        self.tmp = tempfile.mkdtemp(prefix="clb-pg-")
        self.datadir = os.path.join(self.tmp, "data")
        self.log = os.path.join(self.tmp, "server.log")
        self.port = free_port()
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
            os.chmod(self.tmp, 0o755)
            self.user, self.prefix = "postgres", ["runuser", "-u", "postgres", "--"]
        else:
            self.user, self.prefix = pwd.getpwuid(os.geteuid()).pw_name, []

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/clb"

    def _run(self, *args, quiet=False):
        subprocess.run(
            self.prefix + list(args),
            check=not quiet,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if quiet else None,
        )

    def create(self) -> str:
        """initdb, start, and create the database `clb`; returns its URL."""
        self._run(
            f"{self.bindir}/initdb",
            "-D",
            self.datadir,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "-U",
            self.user,
        )
        self.start()
        self._run(
            f"{self.bindir}/createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self.user,
            "clb",
        )
        return self.url

    def start(self) -> None:
        opts = (
            f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={self.max_connections} -c shared_buffers=256MB"
        )
        if not self.durable:
            opts += " " + FAST
        self._run(
            f"{self.bindir}/pg_ctl", "-D", self.datadir, "-l", self.log, "-o", opts, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """mode "immediate" ends every process at once, without a checkpoint: a crash."""
        self._run(f"{self.bindir}/pg_ctl", "-D", self.datadir, "-m", mode, "-w", "stop")

    def running(self) -> bool:
        status = subprocess.run(
            self.prefix + [f"{self.bindir}/pg_ctl", "-D", self.datadir, "status"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return status.returncode == 0

    def ensure_running(self) -> None:
        if not self.running():
            self.start()

    def remove(self) -> None:
        if os.path.exists(os.path.join(self.datadir, "postmaster.pid")):
            self._run(
                f"{self.bindir}/pg_ctl", "-D", self.datadir, "-m", "immediate", "stop", quiet=True
            )
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        try:
            self.create()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print(__doc__)
        return 2
    with Cluster() as cluster:
        print(f"PostgreSQL: {cluster.url}", flush=True)
        env = dict(os.environ, CLB_DATABASE_URL=cluster.url)
        return subprocess.run(argv, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
