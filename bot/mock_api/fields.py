"""The ``*.fields`` and ``expansions`` parameters: checked against X's own lists (an unknown
value is a 400, as on X), and turned into what the serialiser needs."""

from __future__ import annotations

from dataclasses import dataclass

from bot.mock_api.errors import invalid

# X's field names, and those of its current OpenAPI spec (which the SDK ``xdk`` sends)
TWEET_FIELDS = [
    "article",
    "article_title",
    "attachments",
    "author_id",
    "card_uri",
    "community_id",
    "context_annotations",
    "conversation_id",
    "created_at",
    "display_text_range",
    "edit_controls",
    "edit_history_tweet_ids",
    "entities",
    "geo",
    "id",
    "in_reply_to_user_id",
    "lang",
    "matched_media_notes",
    "media_metadata",
    "non_public_metrics",
    "note_post",
    "note_request_suggestions",
    "note_tweet",
    "organic_metrics",
    "paid_partnership",
    "possibly_sensitive",
    "promoted_metrics",
    "public_metrics",
    "referenced_tweets",
    "reply_settings",
    "scopes",
    "source",
    "suggested_source_links",
    "suggested_source_links_with_counts",
    "text",
    "withheld",
]
TWEET_EXPANSIONS = [
    "article.cover_media",
    "article.media_entities",
    "attachments.media_keys",
    "attachments.media_source_tweet",
    "attachments.poll_ids",
    "author_id",
    "edit_history_post_ids",
    "edit_history_tweet_ids",
    "entities.mentions.username",
    "entities.note.mentions.username",
    "geo.place_id",
    "in_reply_to_user_id",
    "referenced_tweets.id",
    "referenced_tweets.id.attachments.media_keys",
    "referenced_tweets.id.author_id",
]
USER_EXPANSIONS = [
    "affiliation.user_id",
    "most_recent_post_id",
    "most_recent_tweet_id",
    "pinned_post_id",
    "pinned_tweet_id",
]
POLL_FIELDS = ["duration_minutes", "end_datetime", "id", "options", "voting_status"]
USER_FIELDS = [
    "affiliation",
    "confirmed_email",
    "connection_status",
    "created_at",
    "description",
    "entities",
    "id",
    "is_identity_verified",
    "location",
    "most_recent_post_id",
    "most_recent_tweet_id",
    "name",
    "parody",
    "pinned_post_id",
    "pinned_tweet_id",
    "profile_banner_url",
    "profile_image_url",
    "protected",
    "public_metrics",
    "receives_your_dm",
    "subscribes_to_you",
    "subscription",
    "subscription_type",
    "url",
    "username",
    "verified",
    "verified_followers_count",
    "verified_type",
    "withheld",
]
MEDIA_FIELDS = [
    "alt_text",
    "duration_ms",
    "height",
    "media_key",
    "non_public_metrics",
    "organic_metrics",
    "preview_image_url",
    "promoted_metrics",
    "public_metrics",
    "type",
    "url",
    "variants",
    "width",
]
PLACE_FIELDS = [
    "contained_within",
    "country",
    "country_code",
    "full_name",
    "geo",
    "id",
    "name",
    "place_type",
]

# bits of a tweet's serialised shape (the cache key of its bytes)
(
    ATTACHMENTS,
    AUTHOR,
    CONVERSATION,
    CREATED,
    REPLY_USER,
    LANG,
    METRICS,
    REFERENCES,
    NOTE,
    ENTITIES,
    EDITS,
    REPLY_SETTINGS,
) = (1 << n for n in range(12))
_TWEET_BITS = {
    "attachments": ATTACHMENTS,
    "author_id": AUTHOR,
    "conversation_id": CONVERSATION,
    "created_at": CREATED,
    "in_reply_to_user_id": REPLY_USER,
    "lang": LANG,
    "public_metrics": METRICS,
    "referenced_tweets": REFERENCES,
    "note_tweet": NOTE,
    "note_post": NOTE,
    "entities": ENTITIES,
    "edit_controls": EDITS,
    "reply_settings": REPLY_SETTINGS,
}
# The two names of the posts' field list: X's own, and its current spec's (``xdk`` sends it).
FIELD_PARAMS = ("tweet.fields", "post.fields")
# The user fields the mock answers (others asked for are accepted and left out, as X leaves
# out what an account does not have).
USER_ANSWERED = frozenset(
    {"created_at", "description", "profile_image_url", "protected", "public_metrics", "verified"}
)


@dataclass(frozen=True, slots=True)
class Shape:
    """What the client asked to see of each post and what to expand."""

    mask: int = 0
    polls: bool = False
    poll_fields: frozenset[str] = frozenset()
    users: bool = False  # author_id / in_reply_to_user_id expansions
    tweets: bool = False  # referenced_tweets.id expansion
    user_fields: frozenset[str] = frozenset()


def _values(query: dict[str, str], name: str, allowed: list[str]) -> list[str]:
    raw = query.get(name)
    if raw is None:
        return []
    values = [v for v in raw.split(",") if v]
    for value in values:
        if value not in allowed:
            raise invalid(
                name,
                value,
                f"The `{name}` query parameter value [{value}] is not one of [{','.join(allowed)}]",
            )
    return values


def _post_fields(query: dict[str, str]) -> list[str]:
    return [f for name in FIELD_PARAMS for f in _values(query, name, TWEET_FIELDS)]


def user_shape(query: dict[str, str]) -> frozenset[str]:
    """The user fields to answer (id, name and username come whatever is asked)."""
    fields = _values(query, "user.fields", USER_FIELDS)
    _values(query, "expansions", USER_EXPANSIONS)
    _post_fields(query)
    return frozenset(fields) & USER_ANSWERED


def tweet_shape(query: dict[str, str]) -> Shape:
    fields = _post_fields(query)
    expansions = set(_values(query, "expansions", TWEET_EXPANSIONS))
    poll_fields = frozenset(_values(query, "poll.fields", POLL_FIELDS))
    user_fields = frozenset(_values(query, "user.fields", USER_FIELDS)) & USER_ANSWERED
    _values(query, "media.fields", MEDIA_FIELDS)
    _values(query, "place.fields", PLACE_FIELDS)
    mask = 0
    for field in fields:
        mask |= _TWEET_BITS.get(field, 0)
    if expansions & {"attachments.poll_ids", "attachments.media_keys"}:
        mask |= ATTACHMENTS  # an expansion brings the ids it expands
    return Shape(
        mask=mask,
        polls="attachments.poll_ids" in expansions,
        poll_fields=poll_fields,
        users=bool(expansions & {"author_id", "in_reply_to_user_id", "entities.mentions.username"}),
        tweets="referenced_tweets.id" in expansions,
        user_fields=user_fields,
    )
