"""The project's URLs plus one that fails, to see the 500 page as a visitor would."""

from django.urls import path

from clb.urls import urlpatterns as project


def fails(request):
    raise RuntimeError("a bug, on purpose")


urlpatterns = [path("kapot/", fails), *project]
