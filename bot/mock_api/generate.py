"""Deterministic synthetic replies: the same seed gives the same posts, users and ids.

Replies spread over the span (more early, as under a fresh post), each to a root post or, now
and then, to an earlier reply in the same conversation. Tones vary (positive, negative,
neutral, sarcasm, negation, caps, slang), with @mentions, links, emoji, one in ten in another
language, and the odd very long post. Ids are snowflakes of the creation time, so id order is
time order.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass, field

from bot.mock_api import phrases
from bot.mock_api.scenario import GenerateSpec, UserSpec
from bot.mock_api.table import Block
from bot.mock_api.timefmt import snowflake, snowflake_ms, to_ms

SYNTHETIC_USER_BASE = 1_400_000_000_000_000_000
_TONES = (
    (0.22, phrases.POSITIVE),
    (0.47, phrases.NEGATIVE),
    (0.65, phrases.NEUTRAL),
    (0.75, phrases.SARCASM),
    (0.85, phrases.NEGATION),
    (0.92, phrases.CAPS),
    (1.00, phrases.SLANG),
)


@dataclass(slots=True)
class Root:
    id: int
    ms: int
    author: int


@dataclass(slots=True)
class Generated:
    block: Block
    users: list[UserSpec]
    extra_mention: array = field(default_factory=lambda: array("q"))  # 0 = none


def synthetic_users(
    seed: int, count: int, block_no: int, taken_ids: set[int], taken_names: set[str]
) -> list[UserSpec]:
    rng = random.Random(f"{seed}:users:{block_no}")
    users: list[UserSpec] = []
    next_id = SYNTHETIC_USER_BASE + block_no * 10**9
    while len(users) < count:
        head, tail = rng.choice(phrases.NAME_HEADS), rng.choice(phrases.NAME_TAILS)
        username = f"{head}{tail}{rng.randrange(10_000)}"[:15]
        while next_id in taken_ids:
            next_id += 1
        if username.lower() in taken_names:
            continue
        taken_names.add(username.lower())
        taken_ids.add(next_id)
        name = f"{head.capitalize()} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
        users.append(UserSpec(id=str(next_id), username=username, name=name))
    return users


def _long_text(rng: random.Random) -> str:
    target = rng.randrange(2000, 4000)
    parts: list[str] = []
    size = 0
    while size < target:
        paragraph = " ".join(rng.sample(phrases.LONG_SENTENCES, 4))
        parts.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(parts)


def _body(rng: random.Random) -> tuple[str, str]:
    """(lang, text after the reply prefix)."""
    r = rng.random()
    if r < 0.10:
        return rng.choice(phrases.OTHER_LANGS)
    if r < 0.105:
        return "en", _long_text(rng)
    if r < 0.115:
        return "art", "".join(rng.choices(phrases.EMOJI, k=rng.randrange(1, 4)))
    r = rng.random()
    pool = next(p for edge, p in _TONES if r < edge)
    text = rng.choice(pool)
    if pool is not phrases.CAPS:
        second = rng.choice(phrases.SECOND)
        if second:
            text += (" " if text[-1] in "?!." else ". ") + second
    r = rng.random()
    if r < 0.30:
        text += " " + "".join(rng.choices(phrases.EMOJI, k=rng.randrange(1, 4)))
    elif r < 0.36:
        text += f" https://t.co/{rng.getrandbits(40):010x}"
    return "en", text


def generate_replies(
    spec: GenerateSpec,
    *,
    roots: list[Root],
    usernames: dict[int, str],
    block_no: int,
    taken_user_ids: set[int],
    taken_names: set[str],
    taken_post_ids: set[int],
) -> Generated:
    """``usernames`` maps every known user id to its username; synthetic users are added."""
    rng = random.Random(spec.seed)
    pool = synthetic_users(
        spec.seed, min(50_000, max(20, spec.count // 4)), block_no, taken_user_ids, taken_names
    )
    pool_ids = [int(u.id) for u in pool]
    for user in pool:
        usernames[int(user.id)] = user.username
    # a root takes replies from one second after it appears (and after its id's own time)
    starts = sorted((max(r.ms, snowflake_ms(r.id)) + 1000, n) for n, r in enumerate(roots))
    span_start = max(to_ms(spec.start), starts[0][0])
    span = max(0, to_ms(spec.end) - span_start)
    block = Block(langs=[])
    lang_no: dict[str, int] = {}
    out = Generated(block=block, users=pool)
    threads: list[list[int]] = [[] for _ in roots]  # row numbers of each root's replies
    eligible: list[int] = []
    ids, authors, parents, convs = block.ids, block.author, block.parent, block.conv
    reply_users, langs, texts, extra = block.reply_user, block.lang, block.text, out.extra_mention
    rand, n, last_ms, seq = rng.random, spec.count, -1, 0
    # many replies say the same thing: one shared string each keeps a million posts small
    shared: dict[str, str] = {}
    for i in range(n):
        x = (i + rand()) / n
        ms = span_start + int(span * (1.0 - (1.0 - x) ** 1.5))
        while len(eligible) < len(starts) and starts[len(eligible)][0] <= ms:
            eligible.append(starts[len(eligible)][1])
        if not eligible:
            ms = starts[0][0]
            eligible.append(starts[0][1])
        seq = seq + 1 if ms == last_ms else 0
        last_ms = ms
        post_id = snowflake(ms, (block_no << 16) | seq)
        while post_id in taken_post_ids:
            seq += 1
            post_id = snowflake(ms, (block_no << 16) | seq)
        root_no = eligible[int(rand() * len(eligible))]
        root = roots[root_no]
        thread = threads[root_no]
        author = pool_ids[int(len(pool_ids) * rand() ** 2.2)]
        prefix = f"@{usernames[root.author]} "
        parent, parent_author = root.id, root.author
        if thread and rand() < 0.12:
            row = thread[len(thread) - 1 - int(rand() ** 2 * min(len(thread), 200))]
            parent, parent_author = ids[row], authors[row]
            if parent_author != root.author:
                prefix = f"@{usernames[parent_author]} {prefix}"
        mention = 0
        if rand() < 0.05:
            mention = pool_ids[int(rand() * len(pool_ids))]
            if mention in (parent_author, root.author):
                mention = 0
            else:
                prefix += f"@{usernames[mention]} "
        lang, body = _body(rng)
        if lang not in lang_no:
            lang_no[lang] = len(block.langs)
            block.langs.append(lang)
        thread.append(i)
        ids.append(post_id)
        authors.append(author)
        parents.append(parent)
        convs.append(root.id)
        reply_users.append(parent_author)
        langs.append(lang_no[lang])
        text = prefix + body
        texts.append(shared.setdefault(text, text))
        extra.append(mention)
    return out
