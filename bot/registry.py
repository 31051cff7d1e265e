"""Every job by name, with the setting that says how often it runs: the one place that names
them. The daemon schedules them; ``jobs run`` and the ``collect`` mention run them now.

A job's module is imported when the job is first asked for (``get_job``, ``all_jobs``), not
with this registry: a command that only names the jobs (``status``) does not load them, and
the summary job alone brings twitter-text (a quarter of a second of regex compiling). This
is the one place jobs are loaded by name.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.config import Settings
from jobs.errors import UsageError, shown

if TYPE_CHECKING:  # a type only: naming the jobs (``status``) loads none of their machinery
    from jobs.base import Job

# The summarize job only asks "what is due now?"; the cron decides the answer.
SUMMARIZE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class JobSpec:
    where: str  # "module:Class" of the job, made with no arguments
    every: Callable[[Settings], timedelta]  # its interval, from the configuration


JOBS: dict[str, JobSpec] = {
    "collect": JobSpec("jobs.collect:CollectJob", lambda s: s.collect_every),
    "polls": JobSpec("jobs.polls:PollsJob", lambda s: s.polls_every),
    "summarize": JobSpec("jobs.summary.job:SummarizeJob", lambda s: SUMMARIZE_EVERY),
    "commands": JobSpec("jobs.mentions.job:CommandsJob", lambda s: s.commands_every),
}
JOB_NAMES = tuple(JOBS)


def all_jobs() -> dict[str, Job]:
    return {name: _load(name) for name in JOBS}


def get_job(name: str) -> Job:
    if name not in JOBS:
        raise UsageError(f"no job named {shown(name)}: choose one of {', '.join(JOBS)}")
    return _load(name)


@functools.cache
def _load(name: str) -> Job:
    """The job named ``name``, one instance per process."""
    module, _, cls = JOBS[name].where.partition(":")
    job: Job = getattr(importlib.import_module(module), cls)()
    return job
