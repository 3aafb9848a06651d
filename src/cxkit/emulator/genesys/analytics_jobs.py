"""Async conversation-details jobs: ``POST .../details/jobs``, status polling, cursor results.

A job snapshots the conversations matching its query when it is submitted. Its state moves
``QUEUED`` → ``PENDING`` → ``FULFILLED`` one status poll at a time (``analytics_job_polls``
polls before it is fulfilled, so tests are deterministic without waiting); a fulfilled job
expires ``analytics_job_lifetime`` seconds later (``EXPIRED``). The admin API can force
``FAILED``, ``CANCELLED``, ``EXPIRED`` or ``FULFILLED``. Results are paged with an opaque
``cursor`` that is left out on the last page.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from cxkit.emulator.genesys.errors import ApiError, bad_request, invalid_value, not_found
from cxkit.emulator.genesys.settings import LiveOptions
from cxkit.emulator.genesys.timefmt import iso

__all__ = ["JOB_STATES", "AnalyticsJob", "AnalyticsJobs"]

JOB_STATES: Final = ("QUEUED", "PENDING", "FULFILLED", "FAILED", "CANCELLED", "EXPIRED")
_MAX_PAGE: Final = 10_000
_DEFAULT_PAGE: Final = 1_000


@dataclass(slots=True)
class AnalyticsJob:
    """One submitted job and the conversation ids it found."""

    id: str
    submitted: float
    conversation_ids: list[str]
    polls: int = 0
    forced: str | None = None
    error_message: str | None = None
    completed: float | None = field(default=None)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, _, value = base64.urlsafe_b64decode(padded).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise invalid_value("cursor", cursor, "a cursor from a previous page") from None


class AnalyticsJobs:
    """Every job of the org."""

    def __init__(self, live: LiveOptions, clock: Callable[[], float]) -> None:
        self._live = live
        self._clock = clock
        self._jobs: dict[str, AnalyticsJob] = {}

    def clear(self) -> None:
        """Forget every job (emulator reset)."""
        self._jobs.clear()

    def submit(self, conversation_ids: list[str]) -> AnalyticsJob:
        """A new job over these conversations."""
        job = AnalyticsJob(str(uuid.uuid4()), self._clock(), list(conversation_ids))
        self._jobs[job.id] = job
        if self._live.current.analytics_job_polls == 0:
            job.completed = job.submitted
        return job

    def get(self, job_id: str) -> AnalyticsJob:
        """The job (404 when unknown)."""
        job = self._jobs.get(job_id)
        if job is None:
            raise not_found("analytics job")
        return job

    def all(self) -> list[AnalyticsJob]:
        """Every job."""
        return list(self._jobs.values())

    def state(self, job: AnalyticsJob) -> str:
        """The job's state now (without counting a poll)."""
        if job.forced is not None and job.forced != "FULFILLED":
            return job.forced
        if job.completed is None:
            return "QUEUED" if job.polls <= 1 else "PENDING"
        if self._clock() >= job.completed + self._live.current.analytics_job_lifetime:
            return "EXPIRED"
        return "FULFILLED"

    def poll(self, job: AnalyticsJob) -> dict[str, Any]:
        """``GET .../jobs/{jobId}``: count a poll, then the AsyncQueryStatus."""
        job.polls += 1
        limit = self._live.current.analytics_job_polls
        if job.completed is None and job.forced is None and job.polls > limit:
            job.completed = self._clock()
        state = self.state(job)
        body: dict[str, Any] = {"state": state, "submissionDate": iso(job.submitted)}
        if job.completed is not None:
            body["completionDate"] = iso(job.completed)
            body["expirationDate"] = iso(job.completed + self._live.current.analytics_job_lifetime)
        if state == "FAILED":
            body["errorMessage"] = job.error_message or "The job failed"
        return body

    def force(self, job: AnalyticsJob, state: str, message: str | None = None) -> None:
        """Put a job in ``state`` (admin)."""
        job.forced = state
        job.error_message = message
        if state in ("FULFILLED", "EXPIRED") and job.completed is None:
            job.completed = self._clock()
        if state == "EXPIRED":
            job.completed = self._clock() - self._live.current.analytics_job_lifetime
            job.forced = None

    def cancel(self, job: AnalyticsJob) -> None:
        """``DELETE .../jobs/{jobId}``."""
        if self.state(job) in ("QUEUED", "PENDING", "FULFILLED"):
            job.forced = "CANCELLED"

    def results(
        self, job: AnalyticsJob, cursor: str | None, page_size: str | None
    ) -> tuple[list[str], str | None]:
        """The conversation ids of one results page and the next cursor (None: last)."""
        state = self.state(job)
        if state == "EXPIRED":
            raise ApiError(
                404, "not.found", message=f"The results of job {job.id} expired and were removed"
            )
        if state != "FULFILLED":
            raise bad_request(f"The job is not fulfilled yet (state {state})")
        size = _DEFAULT_PAGE
        if page_size not in (None, ""):
            try:
                size = int(page_size)
            except ValueError:
                size = 0
            if not 1 <= size <= _MAX_PAGE:
                raise invalid_value("pageSize", page_size, f"an integer 1-{_MAX_PAGE}")
        start = _offset(cursor) if cursor else 0
        page = job.conversation_ids[start : start + size]
        end = start + len(page)
        return page, _cursor(end) if end < len(job.conversation_ids) else None
