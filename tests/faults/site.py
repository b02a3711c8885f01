"""A CLB site for fault tests, all on loopback: its own PostgreSQL cluster (which a test may stop
and start), `clb sip2` and `clb serve` as real processes, and loops that play kiosks and desks.

Each loop keeps a score a test can wait on (no sleeping for time): actions the server confirmed,
answers that said "not now" (offline, refused for a failure, an HTTP error), connections lost.
What a loop saw confirmed is later checked against the database: nothing confirmed may be lost,
nothing done twice."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

from tests.selfservice.conftest import RawClient

ROOT = Path(__file__).resolve().parents[2]
CLB = str(Path(sys.executable).with_name("clb"))
DATE = "20260303    100000"
KIOSK_PASSWORD = "Zeer-geheim-42"
FAILED = "Dit lukt nu niet"  # the kiosk's text when CLB could not do a request
# How long a kiosk or desk waits for one answer. Only a guard against a hung server: on a loaded
# machine (fifty kiosks on a few workers, fsync under other processes' I/O) an answer can take
# tens of seconds, and a slow answer is not a lost one.
ANSWER_BOUND = 180
# How long a test waits for a step (all at work, all told offline, all back): the wait ends as soon
# as the step is reached; the bound only keeps a broken run from hanging.
STEP_BOUND = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    cluster: object  # scripts.pg.Cluster
    env: dict
    seed: dict
    folder: Path
    via: str = ""  # a pooler's URL in front of the cluster, for the processes of the site

    def clb(self, *arguments, check=True, application="clb") -> subprocess.CompletedProcess:
        done = subprocess.run(
            [CLB, *arguments], env=self.env_for(application), capture_output=True, text=True,
            timeout=180,
        )  # fmt: skip
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def env_for(self, application: str) -> dict:
        # Each process names itself, so pg_stat_activity tells whose connections are open.
        url = self.via or self.cluster.url
        return dict(self.env, CLB_DATABASE_URL=f"{url}?application_name={application}")

    def sql(self, query: str, *args) -> list:
        """The rows of `query` on the cluster itself (none for a statement that returns none)."""
        with psycopg.connect(self.cluster.url, autocommit=True) as db:
            cursor = db.execute(query, args)
            return cursor.fetchall() if cursor.description else []

    def connections_of(self, application: str) -> int:
        return self.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", application
        )[0][0]

    def start(self, name: str, *arguments, port: int, env: dict | None = None) -> "Process":
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed by Process.stop
        process = subprocess.Popen(
            [CLB, *arguments],
            env={**self.env_for(f"clb-{name}"), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        running = Process(name, process, port, log, self.folder / f"{name}.log")
        running.wait_listening()
        return running


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    port: int
    log: object
    log_path: Path

    def wait_listening(self, bound: float = 90) -> None:
        give_up = time.monotonic() + bound
        while time.monotonic() < give_up:
            assert self.popen.poll() is None, f"{self.name} exited:\n{self.output()}"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)  # polling a port that is not open yet
        raise AssertionError(f"{self.name} did not start listening:\n{self.output()}")

    def children(self) -> list[int]:
        with open(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children") as f:
            return [int(pid) for pid in f.read().split()]

    def stop(self) -> int:
        self.popen.send_signal(signal.SIGTERM)
        try:
            code = self.popen.wait(60)
        finally:
            self.popen.kill()
            self.log.close()
        return code

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")


class Score:
    """Counters of all loops, under one condition a test waits on."""

    def __init__(self):
        self.changed = threading.Condition()
        self.stop = threading.Event()

    def bump(self, loop, name: str, n: int = 1) -> None:
        with self.changed:
            setattr(loop, name, getattr(loop, name) + n)
            self.changed.notify_all()

    def wait(self, predicate, bound: float, what: str, loops=()) -> None:
        with self.changed:
            reached = self.changed.wait_for(predicate, timeout=bound)
        assert reached, f"not reached in {bound:g} s: {what}\n" + "\n".join(map(str, loops))


@dataclass(eq=False)
class Loop:
    """What one kiosk or desk did, as it saw it."""

    name: str
    cycles: int = 0  # lend and return both confirmed
    lent: int = 0  # checkouts confirmed
    unsure: int = 0  # checkouts answered "could not" for a failure: done or not, unknown
    offline: int = 0  # answers that said CLB is unreachable (98 offline, a failure, HTTP 5xx)
    told_offline: int = 0  # status answers (98) saying "offline": the kiosk stores and forwards
    lost: int = 0  # connections lost
    errors: list = field(default_factory=list)
    # What a desk was answered, in order (action, barcode, status, location): printed when a count
    # check fails, so a failure says which answer was not what it claimed.
    answers: list = field(default_factory=list, repr=False)


class KioskLoop(Loop):
    """A self-service kiosk: status (99), lend its copy (11), take it back (09), again. An
    offline status makes it wait a moment before asking again, as kiosks poll. Each kiosk has
    its own address (any 127.x.y.z is this machine), as kiosks in branches do."""

    def __init__(self, score: Score, port: int, kiosk: dict, source: str):
        super().__init__(kiosk["login"])
        self.score, self.port, self.kiosk, self.source = score, port, kiosk, source
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            client = RawClient(self.port, timeout=ANSWER_BOUND, source=self.source)
            assert client.login(self.kiosk["login"], KIOSK_PASSWORD).startswith("941")
        except Exception as exc:  # reported by the test
            self.errors.append(exc)
            return
        card, barcode = self.kiosk["card"], self.kiosk["barcode"]
        try:
            while not self.score.stop.is_set():
                status = client.send("9900802.00")
                if status[2] != "Y" or status[3:5] != "YY":
                    self.score.bump(self, "offline")
                    # A real status answer, not the refusal of a status request that failed
                    # (which says "offline" too, but offers no messages: BX all N).
                    if status.startswith("98N") and "|BX" + "N" * 16 not in status:
                        self.score.bump(self, "told_offline")
                    self.score.stop.wait(0.1)  # a kiosk's polling interval, not a clock
                    continue
                out = client.send(f"11NN{DATE}{DATE}AO|AA{card}|AB{barcode}|AC|")
                if out.startswith("121"):
                    self.score.bump(self, "lent")
                elif FAILED in out:
                    self.score.bump(self, "unsure")
                    self.score.bump(self, "offline")
                back = client.send(f"09N{DATE}{DATE}APx|AO|AB{barcode}|AC|")
                if back.startswith("101") and out.startswith("121"):
                    self.score.bump(self, "cycles")
                elif FAILED in back:
                    self.score.bump(self, "offline")
        except (ConnectionError, OSError) as exc:
            self.score.bump(self, "lost")
            self.errors.append(exc)
        finally:
            client.close()


class Browser:
    """One browser's cookies against a CLB on loopback; `seen` holds the last answer's headers."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.seen = None

    def request(self, method, path, form=None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=ANSWER_BOUND)
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            body = None
            if form is not None:
                form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            self.seen = response.headers
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.headers.get("Location", ""), text
        finally:
            connection.close()

    def log_in_staff(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        status, _location, _ = self.request(
            "POST", "/accounts/login/", {"username": username, "password": "geheim-wachtwoord"}
        )
        assert status == 302, status

    def log_in_member(self, card: str, pin: str = "1234") -> None:
        self.request("GET", "/mijn/inloggen/")
        status, _location, _ = self.request(
            "POST", "/mijn/inloggen/", {"card_number": card, "pin": pin}
        )
        assert status == 302, status


class DeskLoop(Loop):
    """A desk on the web pages: log in, scan the card, lend two copies, take them back, again.
    Done is the page's redirect back to itself; a refusal (422) is not done; a 503 (the
    database away) or a dropped connection is offline. Any other answer (a 500, a redirect to
    the login page) is an error the test reports."""

    def __init__(self, score: Score, port: int, desk: dict):
        super().__init__(desk["username"])
        self.score, self.port, self.desk = score, port, desk
        self.browser = Browser(port)
        self.request = self.browser.request
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _done(self, path, form, back_to: str) -> bool | None:
        """True: done (redirect); False: refused; None: CLB could not answer."""
        try:
            status, location, _ = self.request("POST", path, form)
        except (ConnectionError, OSError, http.client.HTTPException) as exc:
            self.answers.append((path, form["item_barcode"], type(exc).__name__, ""))
            self.score.bump(self, "lost")
            return None
        self.answers.append((path, form["item_barcode"], status, location))
        if status >= 500:
            if status != 503:  # a database away is "not reachable, check", never "our fault"
                self.errors.append(f"HTTP {status} on {path}")
            self.score.bump(self, "offline")
            return None
        if status == 302 and urlsplit(location).path != back_to:
            self.errors.append(f"{path} redirected to {location}")
        return status == 302

    def _run(self):
        try:
            self.browser.log_in_staff(self.desk["username"])
            status, location, _ = self.request(
                "POST", "/balie/", {"card_number": self.desk["card"]}
            )
            assert status == 302, status
            patron_page = re.search(r"/balie/lener/\d+/", location).group(0)
        except Exception as exc:  # reported by the test
            self.errors.append(exc)
            return
        try:
            self._work(patron_page)
        except Exception as exc:  # reported by the test
            self.errors.append(exc)

    def _work(self, patron_page):
        while not self.score.stop.is_set():
            outcomes = []
            for barcode in self.desk["barcodes"]:
                done = self._done(
                    patron_page + "uitlenen/", {"item_barcode": barcode}, back_to=patron_page
                )
                outcomes.append(done)
                if done:
                    self.score.bump(self, "lent")
                elif done is None:
                    self.score.bump(self, "unsure")
            for barcode in self.desk["barcodes"]:
                outcomes.append(
                    self._done("/balie/innemen/", {"item_barcode": barcode}, "/balie/innemen/")
                )
            if all(outcomes):
                self.score.bump(self, "cycles")
            elif None in outcomes:
                self.score.stop.wait(0.1)  # a person at a desk does not click 100 times a second


def run_loops(loops) -> None:
    for loop in loops:
        loop.thread.start()


def stop_loops(score: Score, loops) -> None:
    score.stop.set()
    for loop in loops:
        loop.thread.join(ANSWER_BOUND + 30)  # it may be waiting for its last answer
        assert not loop.thread.is_alive(), f"{loop.name} did not stop"


def kiosks_and_desks(site: Site, score: Score, sip_port: int, web_port: int, network="127.0.1"):
    """A kiosk loop for each seeded kiosk (each from its own address in `network`) and a desk
    loop for each seeded desk."""
    kiosks = [
        KioskLoop(score, sip_port, kiosk, source=f"{network}.{n + 1}")
        for n, kiosk in enumerate(site.seed["kiosks"])
    ]
    return kiosks, [DeskLoop(score, web_port, desk) for desk in site.seed["desks"]]


def assert_confirmed_kept(site: Site, kiosks, desks, before: dict[str, tuple[int, int]]) -> None:
    """Every invariant holds; each loop's copies were lent at least as often as it saw confirmed
    and at most that plus its unsure answers; every copy is back.

    `before` is loans_per_copy taken before the loops started: the site is shared by the fault
    tests of a session, so a desk's copies already carry the loans an earlier test made."""
    site.clb("invariants")
    copies = loans_per_copy(site)
    mine = [(k, [k.kiosk["barcode"]]) for k in kiosks] + [(d, d.desk["barcodes"]) for d in desks]
    for loop, barcodes in mine:
        loans = sum(copies[b][0] - before.get(b, (0, 0))[0] for b in barcodes)
        assert loop.lent <= loans <= loop.lent + loop.unsure, (f"{loans} loans", loop, loop.answers)
        assert all(copies[b][1] == 0 for b in barcodes), loop


def loans_per_copy(site: Site) -> dict[str, tuple[int, int]]:
    """Per barcode: loans in all, and loans still open."""
    rows = site.sql(
        "SELECT i.barcode, count(l.id), count(l.id) FILTER (WHERE l.returned_at IS NULL)"
        " FROM catalogue_item i LEFT JOIN circulation_loan l ON l.item_id = i.id GROUP BY i.barcode"
    )
    return {barcode: (n, still_open) for barcode, n, still_open in rows}


def seeded_site(cluster, env: dict, folder: Path, schema: Path, kiosks: int, desks: int) -> Site:
    """A Site on `cluster` (created and running) with the schema dumped from the test database
    and the people and things of tests.faults.seed."""
    made = Site(cluster, env, {}, folder)
    made.clb("restore", str(schema), "--noinput", "--no-safety-copy")
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.faults.seed", str(kiosks), str(desks)],
        env=made.env_for("seed"), cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    made.seed = read_json(seeded.stdout)
    return made


def read_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def environment(folder: Path) -> dict:
    env = dict(os.environ, CLB_DATA_DIR=str(folder / "data"), CLB_PLAIN_STATIC="1")
    env["PYTHONPATH"] = str(ROOT)
    return env
