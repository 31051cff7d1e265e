"""What is followed, as ``pollbot track list`` and ``pollbot status`` show it: read from any
``storage.reads.Store`` (the SQLAlchemy ``Database``, or the direct read path), with nothing
that needs SQLAlchemy loaded (``jobs.tracking`` changes what is followed)."""

from __future__ import annotations

from jobs.clock import iso
from storage.reads import Store, Subject, list_subjects


def subject_json(subject: Subject) -> dict[str, object]:
    """A tracked subject as ``track list --json`` and ``status --json`` show it."""
    return {
        "kind": subject.kind,
        "platform": subject.platform,
        "key": subject.key,
        "subject_key": subject.subject_key,
        "added_at": iso(subject.added_at),
        "display": subject.display,
        "source": subject.source,
        "closed_at": iso(subject.closed_at),
        "renamed": subject.renamed,
        "failure": subject.failure,
        "failed_at": iso(subject.failed_at),
        "collected_through": iso(subject.collected_through),
    }


def tracked(store: Store) -> list[Subject]:
    with store.read() as source:
        return list_subjects(source)
