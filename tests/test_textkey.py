"""The copy key: which replies count as copies of one another (SPEC: normalised text of at
least 5 words), and its fast paths giving the key the plain rule gives."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from storage import textkey
from storage.textkey import copy_key, normalised


def test_copies_differing_in_case_mentions_links_punctuation_and_spacing_share_a_key() -> None:
    original = "Free speech is back, finally! https://t.co/abc123"
    for copy in (
        "@elonmusk @jack free speech is back finally",
        "FREE   SPEECH is back... finally!!! http://example.com/x",
        "free-speech is back, finally www.example.com",
        "Free speech is back, finally \u2014 https://T.CO/other",
    ):
        assert copy_key(copy) == copy_key(original), copy
    assert copy_key("Free speech is back, sadly") != copy_key(original)


def test_apostrophes_join_words_and_other_punctuation_separates_them() -> None:
    assert normalised("Don't you DARE, it\u2019s free-speech") == "dont you dare its free speech"
    assert normalised("caf\u00e9\u00b7bar \u00abquoted\u00bb") == "caf\u00e9 bar quoted"


def test_texts_under_five_words_have_no_key() -> None:
    assert copy_key("@elonmusk Yes!!! yes, yes yes") is None
    assert copy_key("Yes yes yes yes yes") is not None


def reference_normalised(text: str) -> str:
    """The rule with no fast path: every text through the same steps."""
    text = unicodedata.normalize("NFKC", text.replace("\x00", "\ufffd")).casefold()
    text = textkey._LEADING_MENTIONS.sub("", text)
    text = textkey._URLS.sub(" ", text)
    text = text.translate(textkey._punctuation())
    return " ".join(text.split())


url_parts = st.sampled_from(["http://", "HTTPS://", "www.", "WWW.", "t.co/x", "\u017ftp", "@a "])
texts = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=80),
    st.lists(st.one_of(url_parts, st.text(max_size=6)), max_size=12).map("".join),
)


@given(texts)
def test_fast_paths_normalise_as_the_plain_rule(text: str) -> None:
    assert normalised(text) == reference_normalised(text)
