"""Input no page can use gets HTTP 400 with a message that says what was wrong, never a 500.

Two rules for every page, so no view has to remember them: a NUL character in a query or form
value is refused before any view runs (no text field holds one, and PostgreSQL refuses to store
it); and a domain refusal (DomainError) that reached the top of a view is an answer about the input,
shown with its message. Django's own BadRequest and SuspiciousOperation land on the same page
(settings: handler400). A view marked with inputs.answers_bad_input (the library protocols: SRU,
OAI-PMH, NCIP) is left to refuse such input in its own protocol, which its clients can read."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from clb.errors import DomainError
from clb.inputs import field_with_nul

BAD_REQUEST = 400


def bad_request_page(request, message: str):
    return render(request, "web/errors/400.html", {"message": message}, status=BAD_REQUEST)


def bad_request(request, exception=None):
    """handler400: Django's BadRequest carries the message people should read."""
    message = str(exception) if exception and str(exception) else ""
    return bad_request_page(request, message or _("Dit verzoek kan CLB niet lezen."))


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if getattr(view, "answers_bad_input", False):
            return None
        field = field_with_nul((request.GET, request.POST))
        if field is not None:
            return bad_request_page(
                request,
                _("Het veld '%(field)s' bevat een teken dat niet in tekst voorkomt (NUL).")
                % {"field": field},
            )
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            return bad_request_page(request, str(exception))
        return None
