"""The library protocols at the root (/sru, /oai, /ncip), where library software looks for
them; the REST API will sit beside them under /api/."""

from django.urls import path

from .ncip.views import ncip
from .oai.views import oai
from .sru.views import sru

app_name = "exchange"
urlpatterns = [
    path("sru", sru, name="sru"),
    path("oai", oai, name="oai"),
    path("ncip", ncip, name="ncip"),
]
