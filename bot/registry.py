"""Every job by name, with the setting that says how often it runs: the one place that names
them. The daemon schedules them; ``jobs run`` and the ``collect`` mention run them now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.config import Settings
from jobs.base import Job
from jobs.collect import CollectJob
from jobs.errors import UsageError, shown
from jobs.mentions.job import CommandsJob
from jobs.polls import PollsJob
from jobs.summary.job import SummarizeJob

# The summarize job only asks "what is due now?"; the cron decides the answer.
SUMMARIZE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class JobSpec:
    job: Job
    every: Callable[[Settings], timedelta]  # its interval, from the configuration


JOBS: dict[str, JobSpec] = {
    "collect": JobSpec(CollectJob(), lambda s: s.collect_every),
    "polls": JobSpec(PollsJob(), lambda s: s.polls_every),
    "summarize": JobSpec(SummarizeJob(), lambda s: SUMMARIZE_EVERY),
    "commands": JobSpec(CommandsJob(), lambda s: s.commands_every),
}
JOB_NAMES = tuple(JOBS)


def all_jobs() -> dict[str, Job]:
    return {name: spec.job for name, spec in JOBS.items()}


def get_job(name: str) -> Job:
    if name not in JOBS:
        raise UsageError(f"no job named {shown(name)}: choose one of {', '.join(JOBS)}")
    return JOBS[name].job
