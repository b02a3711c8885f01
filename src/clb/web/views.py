from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from clb.catalogue.models import BibRecord, Item
from clb.network.models import Branch, Organisation


def home(request):
    return render(
        request,
        "web/home.html",
        {
            "organisations": Organisation.objects.count(),
            "branches": Branch.objects.count(),
            "records": BibRecord.objects.count(),
            "items": Item.objects.count(),
        },
    )


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
