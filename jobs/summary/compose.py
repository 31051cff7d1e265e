"""A summary's words, as a pure function of :class:`SummaryInput`.

A poll::

    Poll 'Reinstate former President Trump': Yes 51.8% / No 48.2% of 15.1M votes at 09:00
    UTC (Yes +0.5 pts, +7.1M votes); 12,790 replies in the last 24 h from 9,120 accounts —
    12,480 in English: 31% positive, 22% neutral, 47% negative, mean -0.14, down 0.05 from
    the previous 24 h; 1,204 copies of earlier replies

An account::

    Replies to elonmusk today: 244 from 185 accounts — 31% positive, 22% neutral, 47%
    negative, mean -0.14, down 0.05 from the previous 15 h; top 10 accounts wrote 38%

The percentages shown add up to 100 (largest remainder at the precision shown); changes are
computed between the figures as shown, so they agree with the previous summary's text.
Accounts are named without the ``@`` (an @mention notifies them, and X restricts
programmatic mentions), and nothing a post carries is a link (``public``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from jobs.summary.model import PollCounts, SentimentCounts, Speakers, Summary, SummaryInput
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
from jobs.summary.textlen import POST_LIMIT, clean_inline, public, truncate
from jobs.summary.thread import split_thread
from jobs.summary.windows import WindowWords, as_tz, clock_label, day_label, describe_window

# A subject's name is quoted in the first post; past this many weighted characters it is
# cut with an ellipsis so that a 1,000-character poll text does not become a 5-post thread.
SUBJECT_BUDGET = 80
# X caps poll options at 25 characters; other platforms may not.
LABEL_BUDGET = 30
_POLL_DECIMALS = 1
_SENTIMENT_DECIMALS = 0
# Who is speaking, beyond the number of accounts (always said). Copies are said when they
# are at least COPIES_MIN replies and COPIES_SHARE of the window's; the share of the 10 most
# active accounts when more than 10 accounts wrote, the 10 wrote at least TOP_SHARE, and at
# least TOP_EACH replies each on average (else it only says few people replied); the mean
# per account when, as shown, it differs from the mean per reply by MEAN_GAP or more.
COPIES_MIN = 5
COPIES_SHARE = Decimal("0.05")
TOP_SHARE = Decimal("0.25")
TOP_AUTHORS = 10
TOP_EACH = 3
MEAN_GAP = Decimal("0.10")


def compose_summary(data: SummaryInput, *, limit: int = POST_LIMIT) -> Summary:
    """The summary of ``data`` as a thread whose every part fits ``limit``."""
    return Summary(parts=split_thread(summary_text(data), limit=limit))


def summary_text(data: SummaryInput) -> str:
    """The summary as one text, before it is split into posts."""
    words = describe_window(data.window_start, data.window_end, data.tz)
    if data.subject_kind == "poll":
        return public(_poll_text(data, words))
    return public(_account_text(data, words))


def _name(data: SummaryInput) -> str:
    return truncate(clean_inline(public(data.subject_name)).lstrip("@"), SUBJECT_BUDGET)


def _poll_text(data: SummaryInput, words: WindowWords) -> str:
    name = _name(data)
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
        head += _at(poll, data)
    else:
        head = f"{subject}: {_votes(poll) if poll.total else 'no votes yet'}{_at(poll, data)}"
    replies = _replies(data, words)
    if poll is not None and poll.total:
        # The replies clause names the window right after; saying it twice costs a post.
        said = words.phrase in replies
        head += _poll_change(poll, data.poll_previous, "" if said else words.phrase)
    return f"{head}; {replies}"


def _account_text(data: SummaryInput, words: WindowWords) -> str:
    name = _name(data) or "the account"
    cur = data.current
    limits = _limits(data)
    if cur.total == 0:
        if data.previous is None and not limits:
            return f"No replies to {name} yet"
        return f"No new replies to {name} {words.phrase}{limits}"
    return (
        f"Replies to {name} {words.phrase}{limits}: {human_count(cur.total)}"
        f"{_from(data.speakers)}{_tone(data, words)}{_voices(cur, data.speakers)}"
    )


def _replies(data: SummaryInput, words: WindowWords) -> str:
    cur = data.current
    limits = _limits(data)
    if cur.total == 0:
        if data.previous is None and not limits:
            return "no replies yet"
        return f"no new replies {words.phrase}{limits}"
    return (
        f"{plural(cur.total, 'reply', 'replies')} {words.phrase}{limits}"
        f"{_from(data.speakers)}{_tone(data, words)}{_voices(cur, data.speakers)}"
    )


def _limits(data: SummaryInput) -> str:
    """ " (counted until 14:02 UTC: collection paused at the monthly read cap)", or "" when
    the counts cover the whole window."""
    if data.counted_until is None:
        return ""
    why = f": {data.stuck}" if data.stuck else ""
    return f" (counted until {_when(data.counted_until, data)}{why})"


def _when(at: datetime, data: SummaryInput) -> str:
    """ "13:00 UTC", or "Sat 19 Nov 13:00 UTC" when not on the day the window ends."""
    zone = as_tz(data.tz)
    local, end = at.astimezone(zone), data.window_end.astimezone(zone)
    clock = clock_label(local)
    return clock if local.date() == end.date() else f"{day_label(local)} {clock}"


def _at(poll: PollCounts, data: SummaryInput) -> str:
    """When the votes shown were read: a poll's figures are those of a stated time."""
    return f" at {_when(poll.taken_at, data)}" if poll.taken_at is not None and poll.total else ""


def _from(speakers: Speakers | None) -> str:
    if speakers is None:
        return ""
    return f" from {plural(speakers.authors, 'account', 'accounts')}"


def _tone(data: SummaryInput, words: WindowWords) -> str:
    """The sentiment of the English replies: " — 31% positive, ...", with how many they
    are when some replies were not in English."""
    cur = data.current
    if cur.scored == 0:
        return ", none in English (not scored)"
    english = f"{human_count(cur.scored)} in English: " if cur.unscored else ""
    return f" — {english}{_sentiment(cur, data.previous, words, data.speakers)}"


def _per_account(cur: SentimentCounts, speakers: Speakers | None) -> str:
    if speakers is None or speakers.mean_per_author is None or cur.mean is None:
        return ""
    per_account = round_mean(speakers.mean_per_author)
    if abs(per_account - round_mean(cur.mean)) < MEAN_GAP:
        return ""
    return f" ({signed(per_account)} per account)"


def _voices(cur: SentimentCounts, speakers: Speakers | None) -> str:
    """Copies and concentration, when they pass the thresholds above."""
    if speakers is None or cur.total == 0:
        return ""
    out = ""
    copies, top = speakers.copies, min(speakers.top_authors_replies, cur.total)
    if copies >= COPIES_MIN and Decimal(copies) / cur.total >= COPIES_SHARE:
        out += f"; {human_count(copies)} copies of earlier replies"
    if (
        speakers.authors > TOP_AUTHORS
        and top >= TOP_EACH * TOP_AUTHORS
        and Decimal(top) / cur.total >= TOP_SHARE
    ):
        share = shares((top, cur.total - top), decimals=0)[0]
        out += f"; top {TOP_AUTHORS} accounts wrote {percent(share)}"
    return out


def _sentiment(
    cur: SentimentCounts,
    previous: SentimentCounts | None,
    words: WindowWords,
    speakers: Speakers | None = None,
) -> str:
    pos, neu, neg = shares((cur.positive, cur.neutral, cur.negative), decimals=_SENTIMENT_DECIMALS)
    text = f"{percent(pos)} positive, {percent(neu)} neutral, {percent(neg)} negative"
    assert cur.mean is not None  # scored > 0 here
    mean = round_mean(cur.mean)
    text += f", mean {signed(mean)}{_per_account(cur, speakers)}"
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
