"""The REST API (OpenAPI 3.1, django-ninja) at /api/v1/: a thin adapter over the same services
the desk, the kiosks and Mijn Bibliotheek call. Apps and partner systems authenticate with
bearer tokens of an ApiClient (registered per organisation); members exchange card + PIN for a
short-lived token of their own."""
