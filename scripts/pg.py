"""Throw-away PostgreSQL clusters for tests and benchmarks.

    python scripts/pg.py -- COMMAND ...   runs COMMAND with CLB_DATABASE_URL pointing at a fresh
                                          cluster (initdb in a temporary folder, a free port), and
                                          removes the cluster afterwards.

    python scripts/pg.py --replica -- COMMAND ...
                                          the same with a streaming replica of that cluster
                                          (pg_basebackup -R) in CLB_DATABASE_REPLICA_URLS
    python scripts/pg.py --durable ...   PostgreSQL's own settings for writing to disk (fsync,
                                          synchronous_commit) instead of the fast unsafe ones
    python scripts/pg.py --pgbouncer -- COMMAND ...
                                          the same with PgBouncer in transaction mode in front:
                                          CLB_DATABASE_URL points at PgBouncer

`Cluster` is the same thing as an object a test can hold: it can stop the server (as a crash
would, with `-m immediate`) and start it again on the same port and data (tests/faults).

As root (CI, sandboxes) initdb refuses to run, so the cluster is owned by the `postgres` user.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

try:
    # run as a script: this folder is on sys.path
    from ensure_system import pgbouncer_path, postgres_bindir
except ImportError:
    from scripts.ensure_system import pgbouncer_path, postgres_bindir  # imported (tests/faults)


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


class Replica(Cluster):
    """A hot standby of `primary` on its own port: a base backup taken with `pg_basebackup -R`,
    which writes the primary's address into the copy, so it streams and replays the primary's
    WAL from then on (every database of the cluster, test databases made later included)."""

    def __init__(self, primary: Cluster):
        # A standby needs at least the primary's max_connections.
        super().__init__(durable=primary.durable, max_connections=primary.max_connections)
        self.primary = primary

    def create(self) -> str:
        self._run(
            f"{self.bindir}/pg_basebackup",
            "-D", self.datadir, "-R", "-X", "stream", "-c", "fast",
            "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", self.primary.user,
        )  # fmt: skip
        self.start()
        return self.url


class Pgbouncer:
    """Debian's PgBouncer in transaction mode in front of `cluster`, on its own loopback port:
    each transaction may run on another server connection, `pool_size` of them per database."""

    def __init__(self, cluster: Cluster, pool_size: int = 10):
        self.cluster, self.pool_size = cluster, pool_size
        self.port = free_port()
        self.ini = os.path.join(cluster.tmp, "pgbouncer.ini")
        self.process = None

    @property
    def url(self) -> str:
        return f"postgresql://{self.cluster.user}@127.0.0.1:{self.port}/clb"

    def start(self) -> str:
        program = pgbouncer_path()
        if program is None:
            sys.exit("PgBouncer is missing: apt-get install pgbouncer")
        users = os.path.join(self.cluster.tmp, "pgbouncer-users.txt")
        with open(users, "w") as f:
            f.write(f'"{self.cluster.user}" ""\n')
        with open(self.ini, "w") as f:
            f.write(
                "[databases]\n"
                f"* = host=127.0.0.1 port={self.cluster.port}\n"
                "[pgbouncer]\n"
                f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\n"
                f"unix_socket_dir = {self.cluster.tmp}\n"
                f"auth_type = trust\nauth_file = {users}\n"
                "pool_mode = transaction\n"
                f"default_pool_size = {self.pool_size}\nmax_client_conn = 1000\n"
                # libpq and psycopg may send these; PgBouncer passes on only what it knows.
                "ignore_startup_parameters = extra_float_digits,options\n"
                f"logfile = {self.cluster.tmp}/pgbouncer.log\n"
            )
        # -q: its log goes to the file only, not into the output of what runs behind it.
        self.process = subprocess.Popen(self.cluster.prefix + [program, "-q", self.ini])
        for _ in range(300):  # until it listens (a few tenths of a second)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self.url
            except OSError:
                if self.process.poll() is not None:
                    sys.exit(f"PgBouncer did not start; see {self.cluster.tmp}/pgbouncer.log")
                time.sleep(0.05)
        sys.exit("PgBouncer did not start listening")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)

    def __enter__(self) -> "Pgbouncer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    options, command = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else ([], argv)
    )
    if not command or set(options) - {"--replica", "--pgbouncer", "--durable"}:
        print(__doc__)
        return 2
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(Cluster(durable="--durable" in options))
        env = dict(os.environ, CLB_DATABASE_URL=cluster.url)
        print(f"PostgreSQL: {cluster.url}", flush=True)
        if "--replica" in options:
            replica = stack.enter_context(Replica(cluster))
            env["CLB_DATABASE_REPLICA_URLS"] = replica.url
            print(f"PostgreSQL replica: {replica.url}", flush=True)
        if "--pgbouncer" in options:
            env["CLB_DATABASE_URL"] = stack.enter_context(Pgbouncer(cluster)).url
            env["CLB_TRANSACTION_POOLING"] = "1"
            print(f"PgBouncer (transaction mode): {env['CLB_DATABASE_URL']}", flush=True)
        return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
