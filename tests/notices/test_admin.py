"""The admin: when each job last succeeded (and which are late) at a glance; templates per
organisation and language saved only when they render, with a preview on example data; a
template cannot reach into CLB."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.notices import jobs, rendering
from clb.notices.models import JobRun, NoticeTemplate, RunState

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_admin(client, net):
    user = User.objects.create_user(
        "beheer-a", password="geheim-wachtwoord", role=User.Role.ORG_ADMIN,
        organisation=net.org_a, branch=net.a1, is_staff=True,
    )  # fmt: skip
    user.groups.add(ensure_groups())
    client.force_login(user)
    return client


def test_the_job_page_shows_last_success_and_what_is_late(org_admin):
    now = timezone.now()
    jobs.run_due(now - timedelta(days=3))  # everything ran three days ago, then nothing
    JobRun.objects.create(
        job="send_notices",
        slot=now,
        state=RunState.FAILED,
        started_at=now,
        finished_at=now,
        error="SMTP weg",
    )
    page = org_admin.get("/admin/notices/jobrun/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="late"') == len(jobs.JOBS)
    assert "te laat: draait de werker (clb worker)?" in html and "Berichten verzenden" in html
    jobs.run_due()
    html = org_admin.get("/admin/notices/jobrun/").content.decode()
    assert 'class="late"' not in html and html.count('class="on-time"') == len(jobs.JOBS)


def test_a_template_is_saved_only_when_it_renders_and_shows_a_preview(org_admin, net):
    broken = org_admin.post(
        "/admin/notices/noticetemplate/add/",
        {
            "kind": "hold_ready",
            "language": "nl",
            "subject": "Klaar: {{ hold.title|geenfilter }}",
            "body": "x",
        },
    )
    assert broken.status_code == 200 and "onderwerp: Invalid filter" in broken.content.decode()
    loads = org_admin.post(
        "/admin/notices/noticetemplate/add/",
        {
            "kind": "hold_ready",
            "language": "nl",
            "subject": "Klaar",
            "body": "{% load admin_urls %}",
        },
    )
    assert "admin_urls" in loads.content.decode() and not NoticeTemplate.objects.exists()
    saved = org_admin.post(
        "/admin/notices/noticetemplate/add/",
        {"kind": "hold_ready", "language": "nl", "subject": "Voor {{ member.first_name }}: {{ hold.title }}",
         "body": "Ophalen in {{ hold.pickup }} tot {{ hold.last_day }}."},
    )  # fmt: skip
    assert saved.status_code == 302
    template = NoticeTemplate.objects.get()
    assert template.organisation == net.org_a  # an organisation administrator's own row
    page = org_admin.get(f"/admin/notices/noticetemplate/{template.pk}/change/").content.decode()
    assert (
        "Voor Anna: De avonden" in page
        and "Ophalen in Centrale Bibliotheek tot 9 jun. 2026." in page
    )
    assert rendering.template_for(net.org_a.pk, "hold_ready", "nl")[0].startswith("Voor")
    assert rendering.template_for(net.org_b.pk, "hold_ready", "nl")[0].startswith("Uw reservering")


def test_a_template_cannot_reach_into_clb():
    for source in (
        "{% debug %}",
        "{% include 'clb/base.html' %}",
        "{% extends 'x' %}",
        "{% load static %}",
    ):
        with pytest.raises(rendering.TemplateError):
            rendering.preview("hold_ready", "nl", "x", source)
    # Autoescape in the HTML part; the context holds strings, not models.
    message = rendering.render("s", "{{ title }}", {"title": "<script>"}, "nl")
    assert "&lt;script&gt;" in message.html and message.text == "<script>\n"
