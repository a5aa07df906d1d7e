"""Domain errors: raised by services with a message a person can read (Chinese)."""


class DomainError(Exception):
    """A rule of the regulation or of the workflow refused the change."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotAllowed(DomainError):
    """The acting user has no right to make this change."""


class TransitionNotAllowed(DomainError):
    """The incident's state does not allow this change now."""


class StaleObject(DomainError):
    """Somebody else changed the object since the form was opened."""
