"""Builds the immutable base of the world from a scenario: users, posts, generated replies and
the indexes every endpoint reads (by conversation, author, replied-to user, mentioned user,
parent, and all posts)."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.mock_api.generate import Generated, Root, generate_replies
from bot.mock_api.scenario import Scenario, UserSpec
from bot.mock_api.table import Block, IdIndex, Rec
from bot.mock_api.timefmt import snowflake_ms, to_ms

MENTION = re.compile(r"(?<![A-Za-z0-9_@])@([A-Za-z0-9_]{1,15})")
KINDS = ("all", "conv", "author", "to", "mention", "children")


@dataclass(slots=True)
class Base:
    users: dict[int, UserSpec]
    by_username: dict[str, int]  # lower-cased
    recs: dict[int, Rec]  # scenario posts (and, at run time, created posts)
    blocks: list[Block]
    indexes: dict[str, dict[int, IdIndex]] = field(default_factory=dict)

    def index(self, kind: str, key: int) -> IdIndex | None:
        table = self.indexes.get(kind)
        return None if table is None else table.get(key)

    def mentioned(self, text: str) -> list[int]:
        found = (self.by_username.get(m.lower()) for m in MENTION.findall(text))
        return list(dict.fromkeys(u for u in found if u is not None))


class _Indexer:
    """Appends ids to the indexes, remembering which came out of order to sort them once."""

    def __init__(self, indexes: dict[str, dict[int, IdIndex]]) -> None:
        self.indexes = indexes
        self.unsorted: set[tuple[str, int]] = set()

    def add(self, kind: str, key: int, post_id: int, regular: bool) -> None:
        table = self.indexes[kind]
        index = table.get(key)
        if index is None:
            index = table[key] = IdIndex()
        ids = index.regular if regular else index.irregular
        if ids and ids[-1] > post_id:
            self.unsorted.add((kind, key))
        ids.append(post_id)

    def add_block(self, block: Block, extra_mention: array, root_author: dict[int, int]) -> None:
        # the hot loop of start-up: one pass, local names, no per-post objects
        tables = [self.indexes[k] for k in KINDS[1:]]
        conv_t, author_t, to_t, mention_t, children_t = tables
        before = {
            (kind, key): len(ix.regular)
            for kind, t in self.indexes.items()
            for key, ix in t.items()
        }
        self.indexes["all"][0].regular.extend(block.ids)
        columns = zip(
            block.ids,
            block.conv,
            block.author,
            block.reply_user,
            block.parent,
            extra_mention,
            strict=True,
        )
        for post_id, conv, author, to, parent, extra in columns:
            for table, key in (
                (conv_t, conv),
                (author_t, author),
                (to_t, to),
                (children_t, parent),
            ):
                index = table.get(key)
                if index is None:
                    index = table[key] = IdIndex()
                index.regular.append(post_id)
            # the text starts "@parent_author [@root_author] [@extra]": each mentioned once
            self._mention(mention_t, to, post_id)
            first = root_author[conv]
            if first != to:
                self._mention(mention_t, first, post_id)
            if extra and extra != to and extra != first:
                self._mention(mention_t, extra, post_id)
        # a block is id-sorted, so only indexes that held ids before it can be out of order
        for (kind, key), length in before.items():
            if len(self.indexes[kind][key].regular) > length and length:
                self.unsorted.add((kind, key))

    @staticmethod
    def _mention(table: dict[int, IdIndex], user: int, post_id: int) -> None:
        index = table.get(user)
        if index is None:
            index = table[user] = IdIndex()
        index.regular.append(post_id)

    def finish(self) -> None:
        for kind, key in self.unsorted:
            index = self.indexes[kind][key]
            index.regular = array("q", sorted(index.regular))
            index.irregular.sort()


def build_base(scenario: Scenario) -> Base:
    users = {int(u.id): u for u in (scenario.bot, *scenario.users)}
    base = Base(
        users=users,
        by_username={u.username.lower(): i for i, u in users.items()},
        recs={},
        blocks=[],
        indexes={kind: {} for kind in KINDS},
    )
    base.indexes["all"][0] = IdIndex()
    indexer = _Indexer(base.indexes)
    specs = {int(p.id): p for p in scenario.posts}
    for spec in sorted(scenario.posts, key=lambda p: int(p.id)):
        root, up = int(spec.id), spec.in_reply_to
        while up is not None:  # the validator has ruled out loops
            root, up = int(up), specs[int(up)].in_reply_to
        parent = int(spec.in_reply_to) if spec.in_reply_to else 0
        reply_user = int(specs[parent].author_id) if parent else 0
        rec = Rec(
            int(spec.id),
            to_ms(spec.created_at),
            int(spec.author_id),
            parent,
            root,
            reply_user,
            spec.lang,
            spec.text,
            spec.poll,
        )
        add_rec(base, indexer.add, rec)
    for block_no in range(len(scenario.generate)):
        generated = _generate(base, gen_no=block_no, scenario=scenario)
        base.blocks.append(generated.block)
        for user in generated.users:
            base.users[int(user.id)] = user
            base.by_username[user.username.lower()] = int(user.id)
        roots = {int(r): base.recs[int(r)].author for r in scenario.generate[block_no].replies_to}
        indexer.add_block(generated.block, generated.extra_mention, roots)
    indexer.finish()
    return base


def add_rec(
    base: Base, add: Callable[[str, int, int, bool], None], rec: Rec
) -> list[tuple[str, int]]:
    """Files a post under every index it belongs to; returns the (kind, key) pairs used."""
    regular = snowflake_ms(rec.id) == rec.ms
    keys = [("all", 0), ("conv", rec.conv), ("author", rec.author)]
    if rec.parent:
        keys += [("to", rec.reply_user), ("children", rec.parent)]
    keys += [("mention", user) for user in base.mentioned(rec.text)]
    for kind, key in keys:
        add(kind, key, rec.id, regular)
    base.recs[rec.id] = rec
    return keys


def _generate(base: Base, *, gen_no: int, scenario: Scenario) -> Generated:
    spec = scenario.generate[gen_no]
    roots = [Root(int(r), base.recs[int(r)].ms, base.recs[int(r)].author) for r in spec.replies_to]
    taken_posts = set(base.recs)
    for block in base.blocks:
        taken_posts.update(block.ids)
    return generate_replies(
        spec,
        roots=roots,
        usernames={i: u.username for i, u in base.users.items()},
        block_no=gen_no,
        taken_user_ids=set(base.users),
        taken_names=set(base.by_username),
        taken_post_ids=taken_posts,
    )
