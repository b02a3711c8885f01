"""Staff sessions are short: desk PCs are shared, and a session left open there is somebody
else's desk. A staff login ends after CLB_STAFF_IDLE_MINUTES without a request (default 60) and
at the latest CLB_STAFF_SESSION_HOURS after logging in (default 12: a working day). Members'
sessions have their own, shorter rule (members_session.py)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import logout

from clb import clock

KEY = "clb_staff"
TOUCH_EVERY = timedelta(minutes=1)  # a session write per page would be a database write per page


def idle_limit() -> timedelta:
    return timedelta(minutes=getattr(settings, "CLB_STAFF_IDLE_MINUTES", 60))


def session_limit() -> timedelta:
    return timedelta(hours=getattr(settings, "CLB_STAFF_SESSION_HOURS", 12))


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        now = clock.now()
        state = request.session.get(KEY)
        if state is None:
            request.session[KEY] = {"since": now.isoformat(), "seen": now.isoformat()}
            return
        since, seen = (datetime.fromisoformat(state[k]) for k in ("since", "seen"))
        if now - seen > idle_limit() or now - since > session_limit():
            logout(request)  # the view then sees a visitor and sends them to the login page
            return
        if now - seen > TOUCH_EVERY:
            request.session[KEY] = {**state, "seen": now.isoformat()}
