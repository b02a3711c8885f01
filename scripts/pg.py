"""A throw-away PostgreSQL cluster for tests and benchmarks.

    python scripts/pg.py -- COMMAND ...   runs COMMAND with CLB_DATABASE_URL pointing at a fresh
                                          cluster (initdb in a temporary folder, a free port), and
                                          removes the cluster afterwards.

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

from ensure_system import postgres_bindir  # this folder is on sys.path: pg.py runs as a script


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


@contextlib.contextmanager
def throwaway_cluster():
    bindir = server_bin()
    root = os.geteuid() == 0
    tmp = tempfile.mkdtemp(prefix="clb-pg-")
    datadir = os.path.join(tmp, "data")
    if root:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        os.chmod(tmp, 0o755)
        user = "postgres"
        prefix = ["runuser", "-u", "postgres", "--"]
    else:
        user = pwd.getpwuid(os.geteuid()).pw_name
        prefix = []
    port = free_port()
    log = os.path.join(tmp, "server.log")

    def run(*args):
        subprocess.run(prefix + list(args), check=True, stdout=subprocess.DEVNULL)

    try:
        run(
            f"{bindir}/initdb",
            "-D",
            datadir,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "-U",
            user,
        )
        opts = (
            f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            "-c shared_buffers=256MB"
        )
        run(f"{bindir}/pg_ctl", "-D", datadir, "-l", log, "-o", opts, "-w", "start")
        url = f"postgresql://{user}@127.0.0.1:{port}/clb"
        subprocess.run(
            prefix + [f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", user, "clb"],
            check=True,
        )
        yield url
    finally:
        if os.path.exists(os.path.join(datadir, "postmaster.pid")):
            subprocess.run(
                prefix + [f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print(__doc__)
        return 2
    with throwaway_cluster() as url:
        print(f"PostgreSQL: {url}", flush=True)
        env = dict(os.environ, CLB_DATABASE_URL=url)
        return subprocess.run(argv, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
