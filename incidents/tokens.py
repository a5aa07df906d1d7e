"""Double submits are harmless: each form carries a one-time token, claimed atomically when it is sent.

The claim is an INSERT of a `FormToken` row under a unique (user, token) constraint, so only the first request
with a token goes on: a double click, a refresh of the result page or two tabs sending the same form act once.
A row, not a cache key: with Redis down a cache could not tell the second request from the first. A refused
form gives its token back (the row is deleted) so that the corrected form can be sent. Rows older than
TOKEN_SECONDS are pruned by the sweep (tokens_prune); a form is not expected to be sent twice a day apart.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import FormToken

TOKEN_SECONDS = 24 * 3600


def _usable(token: str) -> str:
    """The token as stored; "" for one no page gives out (a NUL byte: PostgreSQL cannot store it, and the form
    refuses it with the hidden-field message)."""
    return "" if "\x00" in token else token[:64]


def claim_token(request, token: str) -> bool:
    """True for the first use of a token (a form without a token is always let through)."""
    token = _usable(token)
    if not token:
        return True
    try:
        # A savepoint: a caller's transaction survives the refused INSERT. A second request with the same
        # token waits on the unique index until the first one commits, then fails here.
        with transaction.atomic():
            FormToken.objects.create(user_id=request.user.pk, token=token)
    except IntegrityError:
        return False
    return True


def release_token(request, token: str) -> None:
    token = _usable(token)
    if token:
        FormToken.objects.filter(user_id=request.user.pk, token=token).delete()


def tokens_prune(now: dt.datetime | None = None) -> int:
    """Delete the tokens older than TOKEN_SECONDS (called by the sweep); returns how many."""
    now = now or timezone.now()
    deleted, _ = FormToken.objects.filter(created_at__lt=now - dt.timedelta(seconds=TOKEN_SECONDS)).delete()
    return deleted
