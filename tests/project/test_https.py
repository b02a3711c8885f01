"""Running behind HTTPS (issue 12 item 11): CLB_HTTPS=1 turns on HSTS, the redirect to https,
Secure cookies and a Content-Security-Policy, and `clb check --deploy` is clean with it; a proxy
named in CLB_TRUSTED_PROXIES may say a request came over https, nobody else may; staff sessions
are short."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from clb.accounts.models import User

CLB = str(Path(sys.executable).with_name("clb"))
DEPLOY_WARNINGS = ("security.W004", "security.W008", "security.W012", "security.W016")


def environment(tmp_path, **extra) -> dict:
    env = dict(os.environ, CLB_DATA_DIR=str(tmp_path), CLB_ALLOWED_HOSTS="bieb.example.nl")
    env["CLB_SECRET_KEY"] = "x" * 20 + "-een-lange-willekeurige-sleutel-voor-productie-0123456789"
    # DJANGO_ALLOW_ASYNC_UNSAFE: set for the browser tests in this process, not a deployment.
    for name in (
        "CLB_HTTPS",
        "CLB_DEBUG",
        "CLB_TRUSTED_PROXIES",
        "CLB_CSP",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        env.pop(name, None)
    return {**env, **extra}


def check_deploy(env) -> str:
    done = subprocess.run(
        [CLB, "check", "--deploy"], env=env, capture_output=True, text=True, timeout=120
    )
    return done.stdout + done.stderr


def test_check_deploy_is_clean_with_clb_https(tmp_path):
    without = check_deploy(environment(tmp_path))
    assert all(code in without for code in DEPLOY_WARNINGS), without
    clean = check_deploy(environment(tmp_path, CLB_HTTPS="1"))
    assert "System check identified no issues (0 silenced)." in clean, clean


SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
c = Client(HTTP_HOST="bieb.example.nl")
plain = c.get("/accounts/login/")
safe = c.get("/accounts/login/", secure=True)
proxied = Client(HTTP_HOST="bieb.example.nl", REMOTE_ADDR="10.0.0.5",
                 HTTP_X_FORWARDED_PROTO="https").get("/accounts/login/")
forged = Client(HTTP_HOST="bieb.example.nl", REMOTE_ADDR="203.0.113.9",
                HTTP_X_FORWARDED_PROTO="https").get("/accounts/login/")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "hsts": safe.get("Strict-Transport-Security", ""),
    "csp": safe.get("Content-Security-Policy", ""),
    "csrf_cookie_secure": bool(safe.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "proxied": proxied.status_code,
    "forged": forged.status_code,
}))
"""


def test_clb_https_switches_on_every_part(tmp_path):
    env = environment(
        tmp_path, CLB_HTTPS="1", CLB_TRUSTED_PROXIES="10.0.0.0/24", CLB_PLAIN_STATIC="1"
    )
    env["DJANGO_SETTINGS_MODULE"] = "clb.settings"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://bieb.example.nl/accounts/login/"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    from clb.web.csp import POLICY

    assert seen["csp"] == POLICY and "script-src 'self'" in seen["csp"]
    assert seen["csrf_cookie_secure"] and seen["session_cookie_secure"]
    assert seen["proxied"] == 200  # the proxy says https: believed
    assert seen["forged"] == 301  # anyone else saying so: not


@pytest.mark.django_db
def test_a_staff_login_ends_when_left_idle_and_after_a_working_day(net, settings):
    user = User.objects.create_user("balie", role="desk", organisation=net.org_a, branch=net.a1)
    client = Client()
    client.force_login(user)
    assert client.get("/balie/").status_code == 200

    def age(**spent):
        session = client.session
        state = session["clb_staff"]
        for key, delta in spent.items():
            state[key] = (timezone.now() - delta).isoformat()
        session["clb_staff"] = state
        session.save()

    age(seen=timedelta(minutes=59))
    assert client.get("/balie/").status_code == 200  # an hour of quiet is allowed
    age(seen=timedelta(minutes=61))
    response = client.get("/balie/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(user)
    client.get("/balie/")
    age(since=timedelta(hours=12, minutes=1))
    assert client.get("/balie/").status_code == 302  # busy all day: still over after 12 h
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
