"""Domain errors: raised by services with a message a person can read (Chinese)."""

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A rule of the regulation or of the workflow refused the change."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotAllowed(DomainError, PermissionDenied):
    """The acting user has no right to make this change.

    Also a PermissionDenied: raised by an access check on a page, Django answers 403 with the message; raised
    by a service behind a form, the page shows the message like any refusal.
    """


class TransitionNotAllowed(DomainError):
    """The incident's state does not allow this change now."""


class StaleObject(DomainError):
    """Somebody else changed the object since the form was opened."""
