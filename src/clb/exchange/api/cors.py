"""Cross-origin calls from web pages: only from the origins an app registered (ApiClient.
allowed_origins). A preflight is answered for any registered origin (it carries no token);
the call itself only for the origins of the token's own app, and anonymous calls for any
registered origin."""

from django.utils.cache import patch_vary_headers

from ..models import ApiClient

ALLOWED_METHODS = "GET, POST, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, If-None-Match"
EXPOSED_HEADERS = "ETag, Retry-After"
MAX_AGE = 600


def origin(request) -> str:
    return request.headers.get("Origin", "").strip().rstrip("/")


def _same_site(request, value: str) -> bool:
    return value == f"{request.scheme}://{request.get_host()}"


def registered() -> set[str]:
    found = set()
    for text in (
        ApiClient.objects.filter(active=True)
        .exclude(allowed_origins="")
        .values_list("allowed_origins", flat=True)
    ):
        found |= {line.strip().rstrip("/") for line in text.splitlines() if line.strip()}
    return found


def allowed_for(request, client) -> bool:
    """May a call with this app's token come from the page that sent it? Calls without an
    Origin (apps, servers) and from CLB's own pages (the API docs) always may."""
    value = origin(request)
    return not value or _same_site(request, value) or value in client.origins()


def is_preflight(request) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def preflight_allowed(request) -> bool:
    value = origin(request)
    return bool(value) and (_same_site(request, value) or value in registered())


def add_headers(request, response, bearer=None) -> None:
    """Allow the page to read this answer when its origin is registered for the caller."""
    value = origin(request)
    patch_vary_headers(response, ["Origin"])
    if not value:
        return
    client = getattr(bearer, "client", None)
    if client is not None:
        allowed = allowed_for(request, client)
    else:
        allowed = _same_site(request, value) or value in registered()
    if allowed:
        response["Access-Control-Allow-Origin"] = value
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if is_preflight(request):
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(MAX_AGE)
