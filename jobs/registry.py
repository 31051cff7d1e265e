"""Every job by name. The daemon schedules them; ``jobs run`` and mentions run them now."""

from __future__ import annotations

from jobs.base import Job
from jobs.collect import CollectJob
from jobs.commands_job import CommandsJob
from jobs.errors import UsageError, shown
from jobs.polls import PollsJob
from jobs.summarize import SummarizeJob


def all_jobs() -> dict[str, Job]:
    jobs: list[Job] = [CollectJob(), PollsJob(), SummarizeJob(), CommandsJob()]
    return {job.name: job for job in jobs}


def get_job(name: str) -> Job:
    jobs = all_jobs()
    if name not in jobs:
        raise UsageError(f"no job named {shown(name)}: choose one of {', '.join(jobs)}")
    return jobs[name]
