"""The store holds two platforms: a post once per (platform, platform id), Mastodon's opaque
ids kept as given, and an upgrade from the previous release keeping every row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from jobs.export import iter_records
from jobs.ingest import to_rows
from jobs.platform import Post
from jobs.scoring import Scores
from storage.engine import Database
from storage.keys import post_key
from storage.mentions import Mention, pending_mentions, store_mentions
from storage.migrate import head_revision, upgrade
from storage.operators import add_operator, resolved_operators
from storage.posts import count_posts, insert_posts
from storage.subjects import add_subject, get_subject, list_subjects

T0 = datetime(2022, 11, 19, 0, 30, tzinfo=UTC)


def _post(post_id: str, author: str = "109", *, conversation: str = "1") -> Post:
    return Post(
        id=post_id,
        author_id=author,
        text=f"reply {post_id} is great",
        created_at=T0,
        conversation_id=conversation,
        lang="en",
        replied_to_id=conversation,
    )


def test_the_same_id_on_two_platforms_is_two_posts_and_each_is_stored_once(db: Database) -> None:
    with db.write() as tx:
        x, _ = add_subject(tx, kind="poll", key="1", now=T0)
        m, _ = add_subject(tx, kind="poll", key="1", platform="mastodon", now=T0)
    same = [_post("1593768000000000001")]
    scores = Scores.of([None], [None])
    with db.write() as tx:
        assert insert_posts(tx, to_rows(same, scores, fetched_at=T0), subject_id=x.id) == 1
        rows = to_rows(same, scores, fetched_at=T0, platform="mastodon")
        assert insert_posts(tx, rows, subject_id=m.id) == 1
    with db.write() as tx:  # fetched again: nothing new on either
        assert insert_posts(tx, to_rows(same, scores, fetched_at=T0), subject_id=x.id) == 0
        rows = to_rows(same, scores, fetched_at=T0, platform="mastodon")
        assert insert_posts(tx, rows, subject_id=m.id) == 0
    with db.read() as session:
        assert count_posts(session) == 2
        assert [s.platform for s in list_subjects(session)] == ["x", "mastodon"]
        assert get_subject(session, "poll", "1", platform="mastodon") is not None


def test_opaque_mastodon_ids_come_back_out_as_given(db: Database) -> None:
    # A fork's ids are not numbers; vanilla Mastodon's are.
    with db.write() as tx:
        poll, _ = add_subject(tx, kind="poll", key="AbC123xyz", platform="mastodon", now=T0)
    posts = [
        _post("AbC124xyz", "9zzAcct", conversation="AbC123xyz"),
        _post("109372618261744449", "109000000000000001", conversation="AbC123xyz"),
    ]
    with db.write() as tx:
        rows = to_rows(
            posts, Scores.of([None, None], [None, None]), fetched_at=T0, platform="mastodon"
        )
        assert insert_posts(tx, rows, subject_id=poll.id) == 2
    records = sorted(iter_records(db), key=lambda r: str(r["id"]))
    assert [(r["id"], r["author_id"], r["conversation_id"]) for r in records] == [
        ("109372618261744449", "109000000000000001", "AbC123xyz"),
        ("AbC124xyz", "9zzAcct", "AbC123xyz"),
    ]


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
               min_size=1, max_size=64))  # fmt: skip
def test_keys_of_another_platform_never_meet_an_x_id(platform_id: str) -> None:
    key = post_key("mastodon", platform_id)
    assert -(2**63) <= key < 0  # a BIGINT, and X's ids are all positive
    assert key == post_key("mastodon", platform_id)


@given(st.integers(min_value=1, max_value=2**62 - 1))
def test_decimal_mastodon_ids_have_exact_keys(number: int) -> None:
    assert post_key("mastodon", str(number)) == -(number + 1)
    assert post_key("x", str(number)) == number


def test_mentions_and_operators_are_per_platform(db: Database) -> None:
    mention = Mention("109372618261744449", "7", "@pollbot status", T0)
    with db.write() as tx:
        store_mentions(tx, [mention])
        store_mentions(
            tx, [Mention(mention.post_id, "7", "@pollbot status", T0, platform="mastodon")]
        )
        add_operator(tx, username="alice", user_id="1101", at=T0)
        add_operator(tx, username="alice@mastodon.example", user_id="AbCd", at=T0,
                     platform="mastodon")  # fmt: skip
    with db.read() as session:
        assert [m.platform for m in pending_mentions(session)] == ["x"]
        assert [m.post_id for m in pending_mentions(session, platform="mastodon")] == [
            "109372618261744449"
        ]
        assert resolved_operators(session, ["alice", "alice@mastodon.example"]) == {"alice": "1101"}
        assert resolved_operators(
            session, ["alice", "alice@mastodon.example"], platform="mastodon"
        ) == {"alice@mastodon.example": "AbCd"}


# -- the upgrade from the previous release (0004) -------------------------------------------

N_POSTS = 3000


def _populate_0004(db: Database) -> None:
    """A store as the previous release left it: X's ids as BIGINTs everywhere."""
    t = T0.replace(tzinfo=None).isoformat(" ")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO subjects (id, kind, key, platform_id, display, source, added_at, "
                "active, poll_id) VALUES (1, 'poll', '1593767953706921985', 1593767953706921985,"
                " 'Reinstate former President Trump', 'cli', :t, true, 1593767953539239936), "
                "(2, 'account', 'elonmusk', 44196397, '@elonmusk', 'env', :t, true, NULL)"
            ),
            {"t": t},
        )
        posts = [
            {
                "id": 1593768000000000000 + i,
                "author": 1000 + i % 97,
                "text": f"reply number {i} to the poll",
                "t": (T0 + timedelta(seconds=i)).replace(tzinfo=None).isoformat(" "),
                "compound": (i % 21 - 10) / 10,
            }
            for i in range(N_POSTS)
        ]
        conn.execute(
            text(
                "INSERT INTO posts (id, author_id, conversation_id, in_reply_to_user_id, "
                "replied_to_id, created_at, lang, text, compound, label, fetched_at, copy_key) "
                "VALUES (:id, :author, 1593767953706921985, 44196397, 1593767953706921985, :t, "
                "'en', :text, :compound, 'neutral', :t, NULL)"
            ),
            posts,
        )
        conn.execute(
            text(
                "INSERT INTO subject_posts (subject_id, post_id, created_at, label, compound, "
                "author_id) VALUES (1, :id, :t, 'neutral', :compound, :author)"
            ),
            posts,
        )
        conn.execute(
            text(
                "INSERT INTO mentions (post_id, author_id, text, created_at, state, reply_id) "
                "VALUES (1593767953706921999, 1101, '@pollbot help', :t, 'replied', "
                "1593767953706922000)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO operators (username, user_id, resolved_at) "
                "VALUES ('ops_alice', 1101, :t)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO summaries (id, subject_id, window_start, window_end, final, state, "
                "created_at) VALUES (1, 1, :t, :t, false, 'posted', :t)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO summary_parts (summary_id, position, text, post_id) "
                "VALUES (1, 0, 'Poll: Yes 51.8%', 1593767953706929999)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO api_usage (month, endpoint, requests, posts_read, usd_mills) "
                "VALUES ('2022-11', 'search_recent', 30, 3000, 15000)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cursors (name, since_id, updated_at) "
                "VALUES ('poll:1593767953706921985:conversation', 1593768000000002999, :t)"
            ),
            {"t": t},
        )


def _dump(db: Database, query: str) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query))]


def test_upgrading_a_store_of_the_previous_release_keeps_every_row(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert upgrade(db, to="0004") == (None, "0004")
        _populate_0004(db)
        posts_query = (
            "SELECT id, author_id, conversation_id, created_at, text, compound FROM posts "
            "ORDER BY id"
        )
        links_query = "SELECT subject_id, post_id, author_id FROM subject_posts ORDER BY post_id"
        posts_before = _dump(db, posts_query)
        links_before = _dump(db, links_query)
        assert len(posts_before) == N_POSTS

        assert upgrade(db) == ("0004", head_revision())

        assert _dump(db, posts_query) == posts_before
        assert _dump(db, links_query) == links_before
        assert _dump(db, "SELECT DISTINCT platform FROM posts") == [("x",)]
        assert _dump(
            db, "SELECT platform, kind, key, platform_id, poll_id FROM subjects ORDER BY id"
        ) == [
            ("x", "poll", "1593767953706921985", "1593767953706921985", "1593767953539239936"),
            ("x", "account", "elonmusk", "44196397", None),
        ]
        assert _dump(db, "SELECT platform, post_id, author_id, reply_id FROM mentions") == [
            ("x", "1593767953706921999", "1101", "1593767953706922000")
        ]
        assert _dump(db, "SELECT platform, username, user_id FROM operators") == [
            ("x", "ops_alice", "1101")
        ]
        assert _dump(db, "SELECT post_id FROM summary_parts") == [("1593767953706929999",)]
        assert _dump(db, "SELECT platform, endpoint, requests, posts_read FROM api_usage") == [
            ("x", "search_recent", 30, 3000)
        ]
        assert _dump(db, "SELECT since_id FROM cursors") == [(1593768000000002999,)]
        # And the upgraded store goes on: the same replies fetched again are not new.
        exported = list(iter_records(db))
        assert len(exported) == N_POSTS
        assert exported[0]["id"] == "1593768000000000000"
    finally:
        db.dispose()
