"""Each client's own request rate (ApiClient.rate per minute), counted in the Django cache.

The cache is Redis through opinion_system.cache, which answers a miss while Redis is down: the history then
reads empty and every request passes. A limit that cannot be counted is not enforced, and the API keeps
answering rather than failing with Redis.
"""

from rest_framework.throttling import SimpleRateThrottle

from .models import ApiClient


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"
    rate = None  # per client, set in allow_request

    def __init__(self):
        pass  # SimpleRateThrottle reads a global rate here; ours comes from the client

    def allow_request(self, request, view):
        client = request.auth
        if not isinstance(client, ApiClient):
            return True  # the schema page opened with a session: not a client's traffic
        self.rate = f"{client.rate}/m"
        self.num_requests, self.duration = client.rate, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        client = request.auth
        # With the prefix: a new token (or a rolled-back test reusing an id) starts a fresh count.
        return f"api:rate:{client.pk}:{client.token_prefix}"
