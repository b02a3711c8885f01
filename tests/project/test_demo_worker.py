"""`make demo` starts `clb worker` beside the web server, stops it with the server, and says
where mail goes (issue 20, item 5). The worker itself runs as a process in
tests/notices/test_worker_process.py."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_demo_starts_the_worker_before_the_server_and_stops_it_with_it():
    plan = subprocess.run(
        ["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    worker, trap, mail, serve = (
        plan.index("clb worker"),
        plan.index("trap 'kill $worker"),
        plan.index("clb mail-destination"),
        plan.index("clb serve"),
    )
    assert worker < trap < mail < serve
    assert "clb worker > var/worker.log 2>&1 &" in plan  # in the background


def test_where_mail_goes_by_default_and_with_an_smtp_url(tmp_path):
    clb = str(ROOT / ".venv" / "bin" / "clb")
    env = dict(os.environ, CLB_DATA_DIR=str(tmp_path))
    env.pop("CLB_EMAIL_URL", None)
    default = subprocess.run([clb, "mail-destination"], env=env, capture_output=True, text=True)
    assert default.stdout.strip() == (
        f"E-mail wordt niet verstuurd maar als bestand bewaard in {tmp_path / 'mail'}."
    )
    env["CLB_EMAIL_URL"] = "smtp://clb:geheim@mail.example.nl:587?starttls=1"
    smtp = subprocess.run([clb, "mail-destination"], env=env, capture_output=True, text=True)
    assert smtp.stdout.strip() == "E-mail gaat via SMTP-server mail.example.nl:587."
    assert "geheim" not in smtp.stdout + smtp.stderr
    env["CLB_EMAIL_URL"] = "ftp://mail.example.nl"
    wrong = subprocess.run([clb, "mail-destination"], env=env, capture_output=True, text=True)
    assert wrong.returncode != 0 and "CLB_EMAIL_URL: 'ftp' wordt niet ondersteund" in wrong.stderr
