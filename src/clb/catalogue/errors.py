from clb.errors import DomainError


class CatalogueError(DomainError):
    code = "catalogue"
