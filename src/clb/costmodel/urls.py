from django.urls import path

from . import views

app_name = "costmodel"
urlpatterns = [
    path("", views.builder, name="builder"),
    path("opslaan/", views.save, name="save"),
    path("vergelijk/", views.compare, name="compare"),
    path("scenario/<int:pk>/verwijderen/", views.delete, name="delete"),
]
