"""Chart uploads: v1.1 ``POST media/upload.json`` through tweepy (4.17 has no v2 upload), as
the bot, through the same chokepoint as every other request."""

from __future__ import annotations

import io
import mimetypes

import tweepy
from tweepy.parsers import RawParser

from bot.platforms.x import parse
from bot.platforms.x.chokepoint import Chokepoint
from bot.platforms.x.transport import Timeout, XTransport, equip
from jobs.errors import PlatformUnavailable
from jobs.platform import Media


class MediaUploader:
    def __init__(
        self,
        *,
        user_parts: tuple[str | None, str | None, str | None, str | None],
        base_url: str | None,
        timeout: Timeout,
        chokepoint: Chokepoint,
    ) -> None:
        self._user_parts = user_parts
        self._base_url = base_url
        self._timeout = timeout
        self._chokepoint = chokepoint
        self._api: tweepy.API | None = None

    def upload(self, media: Media) -> str:
        """The new media id; the caller has checked that there are user credentials."""
        api = self._session()
        extension = mimetypes.guess_extension(media.mime_type) or ".png"
        body = self._chokepoint.call(
            "media_upload",
            lambda: api.simple_upload(
                f"chart{extension}", file=io.BytesIO(media.data), media_category="tweet_image"
            ),
        )
        found = parse.media_id(body)
        if found is None:
            raise PlatformUnavailable(
                "X API media_upload answered without a media id", endpoint="media_upload"
            )
        return found

    def _session(self) -> tweepy.API:
        if self._api is None:
            key, secret, token, token_secret = self._user_parts
            auth = tweepy.OAuth1UserHandler(key, secret, token, token_secret)
            api = tweepy.API(
                auth,
                parser=RawParser(),  # the chokepoint decodes the body itself
                retry_count=0,
                timeout=self._timeout[1],
                wait_on_rate_limit=False,
            )
            # Its own adapter: tweepy.API closes its session (and so the adapter's pools)
            # after every request, which must not cut a read in flight on the v2 session.
            transport = XTransport(base_url=self._base_url, timeout=self._timeout)
            equip(api.session, transport, self._chokepoint.on_response)
            self._api = api
        return self._api
