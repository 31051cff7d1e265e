"""A summary's words, as a pure function of :class:`SummaryInput`.

A poll::

    Poll 'Reinstate former President Trump': Yes 51.8% / No 48.2% of 15.1M votes (Yes +0.5
    pts, +7.1M votes); 12,480 replies in the last 24 h: 31% positive, 22% neutral, 47%
    negative, mean -0.14, down 0.05 from the previous 24 h; + 310 not in English, not scored

An account::

    Replies to @elonmusk today: 12,480 — 31% positive, 22% neutral, 47% negative, mean
    -0.14, down 0.05 from yesterday; + 310 not in English, not scored

The percentages shown add up to 100 (largest remainder at the precision shown); changes are
computed between the figures as shown, so they agree with the previous summary's text.
"""

from __future__ import annotations

from decimal import Decimal

from jobs.summary.model import PollCounts, SentimentCounts, Summary, SummaryInput
from jobs.summary.numbers import (
    human_count,
    percent,
    plural,
    points,
    round_mean,
    shares,
    signed,
    signed_count,
)
from jobs.summary.textlen import POST_LIMIT, clean_inline, truncate
from jobs.summary.thread import split_thread
from jobs.summary.windows import WindowWords, describe_window

# A subject's name is quoted in the first post; past this many weighted characters it is
# cut with an ellipsis so that a 1,000-character poll text does not become a 5-post thread.
SUBJECT_BUDGET = 80
# X caps poll options at 25 characters; other platforms may not.
LABEL_BUDGET = 30
_POLL_DECIMALS = 1
_SENTIMENT_DECIMALS = 0


def compose_summary(data: SummaryInput, *, limit: int = POST_LIMIT) -> Summary:
    """The summary of ``data`` as a thread whose every part fits ``limit``."""
    return Summary(parts=split_thread(summary_text(data), limit=limit))


def summary_text(data: SummaryInput) -> str:
    """The summary as one text, before it is split into posts."""
    words = describe_window(data.window_start, data.window_end, data.tz)
    if data.subject_kind == "poll":
        return _poll_text(data, words)
    return _account_text(data, words)


def _poll_text(data: SummaryInput, words: WindowWords) -> str:
    name = truncate(clean_inline(data.subject_name), SUBJECT_BUDGET)
    subject = f"Poll '{name}'" if name else f"Poll {data.subject_key}".rstrip()
    poll = data.poll
    if poll is None:
        head = f"{subject}: no vote count yet"
    elif data.final:
        head = (
            f"{subject} closed. Final result: {_votes(poll)}"
            if poll.total
            else f"{subject} closed with no votes"
        )
    elif poll.closed:
        head = f"{subject} (closed): {_votes(poll) if poll.total else 'no votes'}"
    else:
        head = f"{subject}: {_votes(poll) if poll.total else 'no votes yet'}"
    replies = _replies(data, words)
    if poll is not None and poll.total:
        # The replies clause names the window right after; saying it twice costs a post.
        said = words.phrase in replies
        head += _poll_change(poll, data.poll_previous, "" if said else words.phrase)
    return f"{head}; {replies}"


def _account_text(data: SummaryInput, words: WindowWords) -> str:
    name = truncate(clean_inline(data.subject_name), SUBJECT_BUDGET)
    if name and not name.startswith("@"):
        name = "@" + name
    name = name or "the account"
    cur = data.current
    if cur.total == 0:
        if data.previous is None:
            return f"No replies to {name} yet"
        return f"No new replies to {name} {words.phrase}"
    if cur.scored == 0:
        return f"Replies to {name} {words.phrase}: {human_count(cur.unscored)}, {_none_english()}"
    return (
        f"Replies to {name} {words.phrase}: {human_count(cur.scored)} — "
        f"{_sentiment(cur, data.previous, words)}{_unscored(cur)}"
    )


def _replies(data: SummaryInput, words: WindowWords) -> str:
    cur = data.current
    if cur.total == 0:
        return "no replies yet" if data.previous is None else f"no new replies {words.phrase}"
    if cur.scored == 0:
        return f"{plural(cur.unscored, 'reply', 'replies')} {words.phrase}, {_none_english()}"
    return (
        f"{plural(cur.scored, 'reply', 'replies')} {words.phrase}: "
        f"{_sentiment(cur, data.previous, words)}{_unscored(cur)}"
    )


def _none_english() -> str:
    return "none in English (not scored)"


def _unscored(cur: SentimentCounts) -> str:
    return f"; + {human_count(cur.unscored)} not in English, not scored" if cur.unscored else ""


def _sentiment(cur: SentimentCounts, previous: SentimentCounts | None, words: WindowWords) -> str:
    pos, neu, neg = shares((cur.positive, cur.neutral, cur.negative), decimals=_SENTIMENT_DECIMALS)
    text = f"{percent(pos)} positive, {percent(neu)} neutral, {percent(neg)} negative"
    assert cur.mean is not None  # scored > 0 here
    mean = round_mean(cur.mean)
    text += f", mean {signed(mean)}"
    if previous is None or previous.mean is None:
        return text
    before = round_mean(previous.mean)
    change = mean - before
    if change == 0:
        return f"{text}, unchanged from {words.previous}"
    text += f", {'up' if change > 0 else 'down'} {abs(change):.2f} from {words.previous}"
    if before > 0 > mean:
        text += ", now negative"
    elif before < 0 < mean:
        text += ", now positive"
    return text


def _labels(poll: PollCounts) -> list[str]:
    out = []
    for i, label in enumerate(poll.labels, start=1):
        clean = truncate(clean_inline(label), LABEL_BUDGET)
        out.append(clean or f"Option {i}")
    return out


def _votes(poll: PollCounts) -> str:
    cur = shares(poll.votes, decimals=_POLL_DECIMALS)
    options = " / ".join(
        f"{label} {percent(share)}" for label, share in zip(_labels(poll), cur, strict=True)
    )
    return f"{options} of {plural(poll.total, 'vote', 'votes')}"


def _poll_change(poll: PollCounts, before: PollCounts | None, phrase: str) -> str:
    """ " (Yes +1.2 pts, +7.1M votes)" (``phrase`` added, if any: "... in the last 24 h"), or
    "" when nothing comparable moved."""
    if before is None or before.labels != poll.labels or before.total == 0:
        return ""  # nothing to compare with: the first count is news enough
    cur = shares(poll.votes, decimals=_POLL_DECIMALS)
    old = shares(before.votes, decimals=_POLL_DECIMALS)
    # The option now ahead is the one readers follow; naming every option's move would
    # crowd out the replies (and with two options the other move is its mirror anyway).
    lead = max(range(len(cur)), key=lambda i: (cur[i], -i))
    move = cur[lead] - old[lead]
    items = [f"{_labels(poll)[lead]} {points(move)}"] if move != Decimal(0) else []
    added = poll.total - before.total
    if added:
        items.append(f"{signed_count(added)} {'vote' if abs(added) == 1 else 'votes'}")
    if not items:
        return ""
    return f" ({', '.join(items)} {phrase})" if phrase else f" ({', '.join(items)})"
