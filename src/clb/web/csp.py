"""The Content-Security-Policy header (on with CLB_HTTPS=1, or CLB_CSP=1): pages run only the
scripts CLB serves itself, so text that slipped past escaping still cannot run, and no page can
be framed by another site. Inline style attributes stay allowed (the templates use them, and
plotly.js sets styles on the elements it draws)."""

from django.conf import settings

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(settings, "CLB_CSP", False):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
