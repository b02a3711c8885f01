from clb.errors import DomainError


class MemberError(DomainError):
    code = "member"
