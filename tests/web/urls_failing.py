"""The project's URLs plus one that fails, to see the 500 page as a visitor would."""

from django.db import OperationalError
from django.urls import path

from clb.urls import handler400, handler500  # noqa: F401  (the project's error pages)
from clb.urls import urlpatterns as project


def fails(request):
    raise RuntimeError("a bug, on purpose")


def database_away(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


urlpatterns = [path("kapot/", fails), path("database-weg/", database_away), *project]
