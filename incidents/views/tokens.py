"""Double submits are harmless: each form carries a one-time token, claimed atomically when it is sent.

`cache.add` only succeeds for the first request with a token (atomic on Redis), so a double click, a
refresh of the result page or two tabs sending the same form act once. A refused form gives its token back
so that the corrected form can be sent.
"""

from django.core.cache import cache

TOKEN_SECONDS = 24 * 3600


def _key(request, token: str) -> str:
    return f"form-token:{request.user.pk}:{token[:64]}"


def claim_token(request, token: str) -> bool:
    """True for the first use of a token (a form without a token is always let through)."""
    return not token or cache.add(_key(request, token), 1, TOKEN_SECONDS)


def release_token(request, token: str) -> None:
    if token:
        cache.delete(_key(request, token))
