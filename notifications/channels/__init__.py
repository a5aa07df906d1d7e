"""Sending one outbox row to one platform: e-mail and group robots (notifications.delivery), and a person's own
企业微信 application message, 钉钉 work notice and SMS (one module each here).

A sender raises DeliveryError to fail (delivery backs off in the database) and Deferred to wait for a
platform's per-person cap to free (not an attempt, not an error). Secrets (corp secrets, app secrets, access
keys, tokens) go into requests only: never into an error text, a log line or history.
"""

from .common import Deferred, DeliveryError

__all__ = ["Deferred", "DeliveryError"]
