"""The one HTTP client every connector uses to talk to an outside channel, in four parts:

- `client`: ChannelClient (timeouts, retries, Retry-After, rate limit, breaker) and client_for;
- `state`: the per-channel "not before" time, token bucket and circuit breaker every worker shares;
- `base_url`: which URLs a channel may be pointed at (base_url_check);
- `errors`: ChannelError and its subclasses, what connectors and services catch.

Callers import a name from the module that defines it.
"""
