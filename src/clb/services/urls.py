from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "services"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="services:ido"), name="index"),
    path("ido/", views.ido, name="ido"),
    path("ido/<int:pk>/verwijderen/", views.ido_delete, name="ido-delete"),
    path("activiteiten/", views.activities, name="activities"),
    path("activiteiten/<int:pk>/", views.activities, name="activity"),
    path("activiteiten/<int:pk>/verwijderen/", views.activity_delete, name="activity-delete"),
    path("personeel/", views.staff, name="staff"),
]
