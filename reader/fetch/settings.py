"""The HTTP client's settings: limits, timeouts, the total deadline, the body cap. Declared once, here.

A plain dataclass with no imports beyond the standard library, so the config loader can take its defaults
from it without pulling in the HTTP stack.
"""

from __future__ import annotations

from reader import USER_AGENT
from reader.frozen import Frozen, value_type

MiB = 1024 * 1024


@value_type
class ClientSettings(Frozen):
    # Requests in flight at once over all hosts: bounds our sockets and memory; politeness is `per_host`.
    # A poll waits on round trips, so this many hosts answer in one round (64 made 200 feeds take 4).
    max_connections: int = 128
    per_host: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    # Total seconds for one feed, whatever the server's pace: connect, headers and body of every request
    # (redirect hops and the page's discovered feed included). A server dripping a byte a second gives up here.
    deadline: float = 20.0
    max_body_bytes: int = 10 * MiB
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    host_jitter: float = 0.05  # up to this many seconds between back-to-back requests to one host
