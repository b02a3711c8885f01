"""Included by clb.cockpit.urls under /cockpit/."""

from django.urls import path

from . import views_accessibility

urlpatterns = [
    path("bereikbaarheid/", views_accessibility.accessibility_page, name="accessibility"),
]
