"""The ``requests`` transport under tweepy: base-URL rewriting and a default timeout.

tweepy 4.17 hard-codes ``https://api.twitter.com`` (v2) and ``https://upload.twitter.com``
(v1.1 media), and ``tweepy.Client`` sends without any timeout. An adapter mounted on those
prefixes of the session fixes both without touching tweepy: the same tweepy code path then
serves the real API and the mock (``X_API_BASE_URL``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from jobs.errors import UsageError

TWEEPY_HOSTS = ("https://api.twitter.com/", "https://upload.twitter.com/")
# X's own API host (the default X_API_BASE_URL). Pointed there, v1.1 media uploads still go to
# X's upload host, where X serves them; any other base URL (the mock) takes both.
X_API = "https://api.x.com"

Timeout = tuple[float, float]


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; UsageError when it is not an http(s) URL."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UsageError(
            f"X_API_BASE_URL must be an http(s) URL like http://127.0.0.1:8787, got {base_url!r}"
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def rebase(url: str, base_url: str) -> str:
    """``https://api.twitter.com/2/x?q=1`` on ``http://h:1/p`` -> ``http://h:1/p/2/x?q=1``."""
    target = urlsplit(url)
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, base.path + target.path, target.query, ""))


class XTransport(HTTPAdapter):
    """Sends tweepy's requests to ``base_url`` (when given) with a timeout (always), through
    the proxy the environment names for the host it goes to."""

    def __init__(self, *, base_url: str | None, timeout: Timeout) -> None:
        super().__init__()
        self.base_url = check_base_url(base_url) if base_url else None
        self.timeout = timeout
        self._proxies: dict[tuple[str, str], dict[str, str]] = {}

    def proxies_for(self, url: str) -> dict[str, str]:
        """``*_proxy``/``no_proxy`` of the environment for the URL's host, read once per
        host: requests reads the whole environment again for every request otherwise."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        found = self._proxies.get(key)
        if found is None:
            found = self._proxies[key] = get_environ_proxies(url)
        return found

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if timeout is None:
            timeout = self.timeout
        if (
            self.base_url
            and request.url
            and not (self.base_url == X_API and request.url.startswith(TWEEPY_HOSTS[1]))
        ):
            request.url = rebase(request.url, self.base_url)
        if request.url:
            # Chosen for the host the request really goes to (see ``equip``).
            proxies = self.proxies_for(request.url)
        return super().send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )


ResponseHook = Callable[..., Any]


def equip(session: requests.Session, transport: XTransport, hook: ResponseHook) -> None:
    """Mount the transport on tweepy's hosts and add the response hook (every answer).

    The session stops reading the environment per request (``trust_env``), which cost a
    tenth of a page's time in the client: the transport picks proxies per host once, and
    the CA bundle variables requests honours are read here, once. (netrc, the third thing
    ``trust_env`` reads, applies only to requests without auth; tweepy always sends auth.)
    """
    if session.trust_env:
        session.trust_env = False
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle and session.verify is True:
            session.verify = bundle
    for prefix in TWEEPY_HOSTS:
        session.mount(prefix, transport)
    if hook not in session.hooks["response"]:
        session.hooks["response"].append(hook)
