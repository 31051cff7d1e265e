"""What ``pollbot status`` shows, gathered from the store as plain data: from the SQLAlchemy
``Database`` (the daemon's report, the command's fallback) or the direct read path
(``storage.direct``), through the same reads (``storage.reads``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jobs.clock import iso
from jobs.pricing import usd
from jobs.tracked import subject_json
from storage.reads import (
    Store,
    Subject,
    current_leases,
    heartbeat,
    last_errors,
    last_runs,
    latest_month,
    list_subjects,
    month_usage,
    recent_events,
    waiting_windows,
)

HEARTBEAT_STALE = timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class StatusReport:
    daemon: Mapping[str, object]
    jobs: Sequence[Mapping[str, object]]
    subjects: Sequence[Subject]
    api_usage: Mapping[str, object]
    errors: Sequence[Mapping[str, object]]
    events: Sequence[Mapping[str, object]]
    # Summaries whose window has ended but whose subject's collection has not got past its
    # end yet, by subject id: (window end, how far collection is complete).
    waiting: Mapping[int, tuple[datetime, datetime | None]] = field(default_factory=dict)
    # Mastodon's requests this month (free: no cap, no bill); None when it was never used.
    mastodon_usage: Mapping[str, object] | None = None

    def summary_waiting(self, subject: Subject) -> dict[str, object] | None:
        found = self.waiting.get(subject.id) if subject.id is not None else None
        if found is None:
            return None
        return {"window_end": iso(found[0]), "collected_through": iso(found[1])}

    def to_json(self) -> dict[str, object]:
        return {
            "daemon": self.daemon,
            "jobs": self.jobs,
            "subjects": [
                subject_json(s) | {"summary_waiting": self.summary_waiting(s)}
                for s in self.subjects
            ],
            "api_usage": self.api_usage,
            "mastodon_usage": self.mastodon_usage,
            "errors": self.errors,
            "events": self.events,
        }


def gather_status(
    db: Store,
    *,
    now: datetime,
    cap: int,
    budget_usd: float = 50.0,
    job_names: tuple[str, ...] = (),
) -> StatusReport:
    with db.read() as source:
        beat = heartbeat(source)
        alive = bool(beat and beat.stopped_at is None and now - beat.heartbeat_at < HEARTBEAT_STALE)
        daemon = {
            "alive": alive,
            "pid": beat.pid if beat else None,
            "host": beat.host if beat else None,
            "started_at": iso(beat.started_at) if beat else None,
            "heartbeat_at": iso(beat.heartbeat_at) if beat else None,
            "stopped_at": iso(beat.stopped_at) if beat else None,
        }
        leases = {lease.job: lease for lease in current_leases(source, now=now)}
        runs = last_runs(source)
        jobs = []
        for name in sorted(set(job_names) | set(runs) | set(leases)):
            run = runs.get(name)
            lease = leases.get(name)
            jobs.append(
                {
                    "job": name,
                    "running": lease is not None,
                    "lease": {
                        "holder": lease.holder,
                        "host": lease.host,
                        "pid": lease.pid,
                        "expires_at": iso(lease.expires_at),
                    }
                    if lease
                    else None,
                    "last_run": {
                        "trigger": run.trigger,
                        "started_at": iso(run.started_at),
                        "finished_at": iso(run.finished_at),
                        "status": run.status,
                        "items": run.items,
                        "error": run.error,
                    }
                    if run
                    else None,
                }
            )
        month = latest_month(source) or f"{now:%Y-%m}"
        usage = month_usage(source, month)
        mastodon = month_usage(source, month, platform="mastodon")
        errors = [
            {"job": r.job, "at": iso(r.finished_at or r.started_at), "error": r.error}
            for r in last_errors(source)
        ]
        events = [
            {"at": iso(e.at), "kind": e.kind, "job": e.job, "message": e.message}
            for e in recent_events(source)
        ]
        waiting = waiting_windows(source)
        subjects = list_subjects(source)  # what ``track list`` shows, in the same read
    api_usage: dict[str, object] = {
        "month": usage.month,
        "requests": usage.requests,
        "posts_read": usage.posts_read,
        "cap": cap,
        # the bill at X's pay-per-use prices, as estimated answer by answer (jobs.pricing)
        "estimated_usd": usd(usage.usd_mills),
        "budget_usd": budget_usd,
        "by_endpoint": {
            k: {"requests": r, "posts_read": p} for k, (r, p) in usage.by_endpoint.items()
        },
    }
    mastodon_usage: dict[str, object] | None = None
    if mastodon.requests:
        mastodon_usage = {
            "month": mastodon.month,
            "requests": mastodon.requests,
            "posts_read": mastodon.posts_read,
            "by_endpoint": {
                k: {"requests": r, "posts_read": p} for k, (r, p) in mastodon.by_endpoint.items()
            },
        }
    return StatusReport(daemon, jobs, subjects, api_usage, errors, events, waiting, mastodon_usage)
