"""handler500: a page that failed because the database could not be reached answers 503 with a
Retry-After, and says what that means for what was just done; any other failure is the 500 page.

A desk that lends while PostgreSQL restarts must be told "not reachable, look whether it went
through", not "our fault": the loan may have been stored just before the connection broke.
Django passes handler500 no exception, but it runs inside the `except` that caught it, so
sys.exc_info() names it. The pages render without the request, as Django's own 500 view does:
with the database away, the request's session and user cannot be read."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

UNAVAILABLE = 503
RETRY_AFTER_SECONDS = 30


def database_away(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request):
    if database_away(sys.exc_info()[1]):
        page = loader.get_template("503.html").render()
        return HttpResponse(page, status=UNAVAILABLE, headers={"Retry-After": RETRY_AFTER_SECONDS})
    return HttpResponseServerError(loader.get_template("500.html").render())
