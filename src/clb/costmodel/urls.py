from django.urls import path, re_path

from . import views

app_name = "costmodel"
urlpatterns = [
    path("", views.builder, name="builder"),
    path("opslaan/", views.save, name="save"),
    path("vergelijk/", views.compare, name="compare"),
    path("bouwstenen/", views.model_page, name="model"),
    path("scenario/<int:pk>/verwijderen/", views.delete, name="delete"),
    re_path(
        r"^scenario/(?P<pk>\d+)/download\.(?P<fmt>csv|xlsx)$",
        views.scenario_download,
        name="download",
    ),
]
