"""Domain errors. The web layer maps each to one HTTP status with a message a person understands."""


class ShopError(Exception):
    """Base class: `message` is safe to show to the customer."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ShopError):
    status_code = 422


class InvalidFields(InvalidInput):
    """Every problem of a form or a file at once, by field (`errors`), so each shows beside its input."""

    def __init__(self, errors: dict[str, str], *, message: str | None = None) -> None:
        """`message` is the one-line summary (default: every field and its problem)."""
        if message is None:
            message = "Please check: " + "; ".join(f"{key} {problem}" for key, problem in errors.items()) + "."
        super().__init__(message, field=next(iter(errors), None))
        self.errors = errors


class NotFound(ShopError):
    status_code = 404


class OutOfStock(ShopError):
    status_code = 409


class Conflict(ShopError):
    status_code = 409
