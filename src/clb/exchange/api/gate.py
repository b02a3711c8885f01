"""What every API request passes on its way in and out, around django-ninja's own handling:
the exchange room's protocol endpoint (rate limit per address, size cap, one log line, a last
line of defence that answers even an unforeseen error as a problem), input no database takes
(a NUL character), CORS, and on the way out ETags with conditional answers (304) and the
caching rules: personal answers are private."""

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.translation import gettext as _

from clb.inputs import field_with_nul

from ..endpoint import MAX_BODY, Refusal, protocol_endpoint
from . import cors, problems, tokens

_REFUSALS = {
    "rate": "rate_limited",
    "size": "too_large",
    "internal": "internal",
    "method": "method_not_allowed",
}


def _refuse(refusal: Refusal) -> HttpResponse:
    return problems.response(
        None,
        _REFUSALS.get(refusal.kind, "bad_input"),
        refusal.message,
        status=refusal.status,
        retry_after=refusal.retry_after,
    )


def _nul_in(request) -> str | None:
    """Where the request holds a NUL character (a parameter's name, the path or the body)."""
    if "\x00" in request.path:
        return "path"
    if (name := field_with_nul([request.GET])) is not None:
        return name
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > MAX_BODY:
            return None  # refused for its size, not read here
        body = request.body
        form = request.content_type == "application/x-www-form-urlencoded"
        if b"\x00" in body or b"\\u0000" in body.lower() or (form and b"%00" in body):
            return "body"
    return None


def _too_large(request) -> bool:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    return declared.isdigit() and int(declared) > MAX_BODY


def _as_problem(request, response: HttpResponse) -> HttpResponse:
    """Django's and ninja's own refusals (405, a plain 404) in problem form."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(
        problems.MEDIA_TYPE
    ):
        return response
    code = {404: "not_found", 405: "method_not_allowed"}.get(response.status_code, "bad_input")
    answer = problems.response(
        request,
        code,
        response.content.decode("utf-8", "replace")[:300] or code,
        status=response.status_code,
    )
    if response.has_header("Allow"):
        answer["Allow"] = response["Allow"]
    return answer


def _finish(request, response: HttpResponse) -> HttpResponse:
    bearer = getattr(request, "auth", None)
    personal = getattr(bearer, "token", None) is not None
    cors.add_headers(request, response, bearer)
    patch_vary_headers(response, ["Authorization", "Accept"])
    if request.method == "GET" and response.status_code == 200 and not response.streaming:
        response["Cache-Control"] = "private, no-cache" if personal else "public, max-age=60"
        set_response_etag(response)
        return get_conditional_response(request, etag=response["ETag"], response=response)
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = "no-store"
    return response


def _per_token(request) -> list[tuple[str, str]]:
    """A request with a bearer token also counts against that token's limit (keyed by the
    token's digest, so a guessed token is limited as well, without reading the database)."""
    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return []
    return [("api_token", tokens.digest(raw.strip())[:32])]


def gated(view):
    """Wraps a view of the API (ninja's, or the not-found view below)."""

    @protocol_endpoint("api", _refuse, also_counted=_per_token)
    def endpoint(request, entry, *args, **kwargs):
        request.clb_api_entry = entry
        match = getattr(request, "resolver_match", None)
        entry["operation"] = match.route if match else request.path
        if _too_large(request):
            entry["outcome"] = "too_large"
            return problems.response(request, "too_large", _("Het verzoek is te groot."))
        if (where := _nul_in(request)) is not None:
            entry["outcome"] = "bad_input"
            return problems.response(
                request,
                "bad_input",
                _("Het verzoek bevat een NUL-teken; dat kan niet."),
                field=where,
            )
        if cors.is_preflight(request):
            if not cors.preflight_allowed(request):
                entry["outcome"] = "origin_not_allowed"
                return problems.response(
                    request,
                    "origin_not_allowed",
                    _("Deze webpagina (%(origin)s) is bij geen toepassing geregistreerd.")
                    % {"origin": cors.origin(request) or "-"},
                )
            response = HttpResponse(status=204)
            cors.add_headers(request, response)
            return response
        try:
            response = _as_problem(request, view(request, *args, **kwargs))
        except Http404:
            response = not_found(request)
        entry["outcome"] = str(response.status_code)
        return _finish(request, response)

    return endpoint


def to_docs(request, *args, **kwargs):
    """/api/v1/ itself: where a developer starts."""
    return HttpResponseRedirect(request.path.rstrip("/") + "/docs")


def not_found(request, *args, **kwargs):
    return problems.response(
        request,
        "not_found",
        _("%(path)s bestaat niet in deze API; zie /api/v1/docs.") % {"path": request.path},
    )
