from clb.errors import DomainError


class CirculationError(DomainError):
    code = "circulation"
