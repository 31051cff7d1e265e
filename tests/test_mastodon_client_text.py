"""The Mastodon client's text: a status's content HTML as the plain text the X client stores,
and its language (declared, or guessed only when py3langid is sure)."""

from __future__ import annotations

import pytest

from bot.platforms.mastodon.html import content_text
from bot.platforms.mastodon.language import UNDETERMINED, declared, guess, language_of
from jobs.sentiment import is_scorable
from tests.support.mastodon_samples import cassette, statuses

# -- content HTML -> text --------------------------------------------------------------------

MENTION = (
    '<span class="h-card" translate="no"><a href="https://mastodon.example/@elonmusk" '
    'class="u-url mention">@<span>elonmusk</span></a></span>'
)
REMOTE_MENTION = (
    '<span class="h-card" translate="no"><a href="https://other.social/@alice" '
    'class="u-url mention">@<span>alice</span></a></span>'
)
HASHTAG = (
    '<a href="https://mastodon.example/tags/FreeSpeech" class="mention hashtag" '
    'rel="tag">#<span>FreeSpeech</span></a>'
)
LONG_LINK = (
    '<a href="https://www.example.com/news/2022/11/19/the-poll-results-are-in?ref=masto" '
    'target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://www.'
    '</span><span class="ellipsis">example.com/news/2022/11/19/th</span><span class="invisible">'
    "e-poll-results-are-in?ref=masto</span></a>"
)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Toot!</p>", "Toot!"),
        (f"<p>{MENTION} Yes! Free speech is back</p>", "@elonmusk Yes! Free speech is back"),
        (f"<p>{MENTION} {REMOTE_MENTION} no way</p>", "@elonmusk @alice no way"),
        (f"<p>Voted {HASHTAG}</p>", "Voted #FreeSpeech"),
        (
            f"<p>Read this {LONG_LINK} before voting</p>",
            "Read this https://www.example.com/news/2022/11/19/the-poll-results-are-in?ref=masto"
            " before voting",
        ),
        ("<p>one<br />two<br>three</p>", "one\ntwo\nthree"),
        ("<p>first</p><p>second</p><p>third</p>", "first\n\nsecond\n\nthird"),
        ("<p>a<br /></p><p>b</p>", "a\n\nb"),
        (
            "<p>Tom &amp; Jerry &lt;3 &quot;yes&quot; &#39;no&#39; &#x1F600;</p>",
            "Tom & Jerry <3 \"yes\" 'no' 😀",
        ),
        ("<p>caf&eacute; &hellip; &nbsp;ok</p>", "café … \xa0ok"),
        # Mastodon 4.5's quote fallback, hidden by its own clients
        (
            '<p class="quote-inline">RE: <a href="https://mastodon.example/@a/1">'
            "https://mastodon.example/@a/1</a></p><p>Quoting this</p>",
            "Quoting this",
        ),
        # other servers' HTML: a titled link keeps its title, raw newlines are spaces
        ('<p>see <a href="https://example.org/x">this article</a></p>', "see this article"),
        ("<p>line one\nstill line one</p>", "line one still line one"),
        ("<blockquote><p>quoted</p></blockquote><p>reply</p>", "quoted\n\nreply"),
        ("<ul><li>Yes</li><li>No</li></ul>", "Yes\nNo"),
        # broken markup never raises
        (
            '<p>unclosed <a href="https://example.org/">https://example.org/',
            "unclosed https://example.org/",
        ),
        ("<p>stray </span></a> end</p>", "stray end"),
        ("", ""),
    ],
)
def test_content_html_becomes_the_text_x_would_store(html: str, text: str) -> None:
    assert content_text(html) == text


def test_the_recorded_statuses_read_as_text() -> None:
    texts = {s["id"]: content_text(s["content"]) for _, s in statuses()}
    assert texts["117020585487094447"] == "Toot!"
    # a mention (test_notifications_mentions_only) and a link card (test_status_card)
    assert "@mastodonpy_test hello!" in texts.values()
    assert texts["117020609135389699"] == "http://example.org/"
    for text in texts.values():
        assert "<" not in text and "&amp;" not in text and text == text.strip()


# -- language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("en-GB", "en"),
        ("pt_BR", "pt"),
        ("ja", "ja"),
        ("", None),
        (None, None),
        (3, None),
    ],
)
def test_a_declared_language_is_kept(value: object, code: str | None) -> None:
    assert declared(value) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("This is the worst decision I have ever seen, honestly.", "en"),
        ("@elonmusk Totally agree with you on this one https://example.org/a", "en"),
        ("Das ist eine schreckliche Entscheidung, ehrlich gesagt.", "de"),
        ("Ich finde das wirklich gut so", "de"),
        ("Esto es una locura, no lo puedo creer", "es"),
        ("Je ne suis pas d'accord du tout avec ce sondage", "fr"),
    ],
)
def test_a_missing_language_is_guessed_when_the_text_says_enough(text: str, code: str) -> None:
    assert guess(text) == code
    assert language_of(None, text) == code


@pytest.mark.parametrize(
    "text",
    [
        "🔥🔥🔥",  # emoji only
        "😂😂 👍",
        "lol",  # too short
        "Great poll",
        "Nein danke",
        "yes!!",
        "@elonmusk @alice #poll https://example.org/very/long/path/that/says/nothing",
        "",
        "1234 5678 9999",
    ],
)
def test_too_little_text_is_undetermined_and_never_scored(text: str) -> None:
    assert guess(text) == UNDETERMINED
    assert not is_scorable(language_of(None, text))  # stored and counted, not scored


def test_an_unsure_guess_is_undetermined() -> None:
    # Long enough, but py3langid is not 90% sure of a language for it.
    assert guess("Yes! Free speech is back") == UNDETERMINED


def test_the_declared_language_wins_over_the_text() -> None:
    # The author said German; the text looks English. Declared languages are trusted, as X's.
    assert language_of("de", "This is the worst decision I have ever seen, honestly.") == "de"


def test_recorded_statuses_declare_their_language() -> None:
    reply = {
        s["id"]: s for s in (e.body for e in cassette("test_status_reply")) if isinstance(s, dict)
    }
    assert reply["117020583245459824"]["language"] == "ja"
    assert language_of(reply["117020583245459824"]["language"], "Toot, finally!") == "ja"
