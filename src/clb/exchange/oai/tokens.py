"""Resumption tokens that need no server state: the harvest's arguments, its fixed upper time
bound and the last record id sent, signed with the project's secret key. They survive a
restart and any number of server processes, and cannot be forged or altered."""

from django.core import signing

SALT = "clb.exchange.oai.resumption"


class BadToken(ValueError):
    pass


def make(state: dict) -> str:
    return signing.dumps(state, salt=SALT, compress=True)


def read(token: str) -> dict:
    try:
        state = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise BadToken("ongeldig of gewijzigd hervattingstoken") from exc
    if not isinstance(state, dict) or not {"verb", "prefix", "until", "after", "cursor"} <= set(
        state
    ):
        raise BadToken("onvolledig hervattingstoken")
    return state
