"""Metrics: counted in memory on the request path, flushed as per-minute rows off it.

A model request is added into a tally on the spot: five numbers per version and minute, under
a lock, no I/O (a value that is not plain text is set aside, to be measured by the flush). The
first request into an empty tally puts one marker on the bounded queue of a batch writer; its
thread wakes ``flush_seconds`` later, swaps the tally for an empty one and writes its sums, so
the flush costs a few rows, not a pass over every request of the last seconds (which, done on
another thread, took the CPU and the GIL the event loop's next request waited for). Pipeline and
connector values are queued as items and summed the same way. A sampling thread counts the
running instances every ``SAMPLE_SECONDS`` for ``instances`` (kept as instance-minutes, read
back as an average), ``active_time`` and ``gb_seconds``, recorded like the rest. Readers add
up the rows of each interval, so several servers (or several batches) can write the same minute
without coordinating. Sums not yet flushed (a few seconds' worth) are not seen.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from modelyard.core.batch_writer import BatchWriter
from modelyard.core.identity.schemas import ProjectRef
from modelyard.core.observe import repository as repo
from modelyard.core.observe import rules
from modelyard.core.observe.schemas import MetricPoint
from modelyard.db.engine import SessionFactory
from modelyard.db.tables import MetricRow

logger = logging.getLogger(__name__)
FLUSH_SECONDS = 2.0
SAMPLE_SECONDS = 10.0
MAX_BATCH = 10_000
AVERAGED = frozenset({"instances"})
MAX_SUBJECTS = 10_000


@dataclass(frozen=True)
class Subject:
    """What a metric is about: an object of a project."""

    organization_id: uuid.UUID | None
    """None until the flush looks it up (instance samples know only their project)."""
    project_id: uuid.UUID
    object_type: str
    object_id: uuid.UUID | None
    object_name: str | None


@dataclass(frozen=True)
class Counted:
    """Ready values about one object (pipelines, connectors)."""

    subject: Subject
    at: float
    values: dict[str, float]
    volume_of: tuple[str, Any] | None = None


@dataclass(frozen=True)
class InstanceSample:
    """How many instances of a version run on this server right now."""

    project_id: uuid.UUID
    version_id: uuid.UUID
    instances: int
    memory_mb: int


class TallyDue:
    """The marker a tally puts on the writer's queue: flush me with this batch."""


Item = Counted | TallyDue
Sampler = Callable[[], list[InstanceSample]]


def volume(value: Any) -> int:
    """The size in bytes of a value as it travels as JSON (plain text as itself)."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    return len(_COMPACT.encode(value))  # ASCII: non-ASCII characters escaped, as json.dumps does


_COMPACT = json.JSONEncoder(default=str, separators=(",", ":"))
"""Made once: ``json.dumps`` with arguments makes a new encoder on every call."""


def values_of(item: Counted) -> dict[str, float]:
    """The metric values one pipeline or connector item contributes."""
    values = dict(item.values)
    if item.volume_of is not None:
        values[item.volume_of[0]] = float(volume(item.volume_of[1]))
    return values


def sample_values(sample: InstanceSample, seconds: float) -> dict[str, float]:
    """What ``seconds`` of ``sample.instances`` running instances contribute."""
    active = sample.instances * seconds
    return {
        "instances": active / 60,
        "active_time": active,
        "gb_seconds": active * sample.memory_mb / 1024,
    }


def minute_of(at: float) -> datetime:
    return datetime.fromtimestamp(at - at % 60, UTC)


Sums = dict[tuple[Subject, str, datetime], float]


class MetricRecorder:
    """The in-memory side of metrics: ``record_*`` on the request path, threads for the rest."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        flush_seconds: float = FLUSH_SECONDS,
        sampler: Sampler | None = None,
        sample_seconds: float = SAMPLE_SECONDS,
    ) -> None:
        self.sessions, self.flush_seconds = sessions, flush_seconds
        self.sampler, self.sample_seconds = sampler, sample_seconds
        self._writer: BatchWriter[Item] = BatchWriter(
            sessions,
            self._rows,
            name="modelyard-metrics",
            what="metric records",
            linger=flush_seconds,
            max_batch=MAX_BATCH,
        )
        self._subjects: dict[tuple[uuid.UUID | None, uuid.UUID, uuid.UUID], Subject] = {}
        """Each version's subject, made once (not once per request)."""
        self._tally = RequestTally()
        self._tally_lock = threading.Lock()
        self._tally_due = False
        """Whether a ``TallyDue`` for the current tally is on the writer's queue."""
        self._stop_sampling = threading.Event()
        self._sampling = threading.Thread(
            target=self._sample_every, name="modelyard-metrics-sampler", daemon=True
        )

    def start(self) -> None:
        self._writer.start()
        if self.sampler is not None:
            self._sampling.start()

    def close(self) -> None:
        """Write what is counted so far and stop."""
        self._stop_sampling.set()
        if self._sampling.is_alive():
            self._sampling.join(timeout=10)
        self._writer.close()

    def record_model_request(
        self,
        project: ProjectRef,
        version_id: uuid.UUID,
        *,
        data: Any,
        result: Any,
        success: bool,
        seconds: float,
    ) -> None:
        organization_id = project.organization_id
        key = (organization_id, project.id, version_id)
        subject = self._subjects.get(key)
        if subject is None:
            if len(self._subjects) >= MAX_SUBJECTS:
                self._subjects.clear()
            subject = Subject(organization_id, project.id, "model_version", version_id, None)
            self._subjects[key] = subject
        with self._tally_lock:
            self._tally.add(subject, time.time(), data, result, success, seconds)
            if self._tally_due:
                return
            self._tally_due = self._writer.put(TALLY_DUE)  # refused: the next request tries

    def _take_tally(self) -> RequestTally:
        """The requests counted so far, leaving an empty tally (on the writer's thread)."""
        with self._tally_lock:
            tally, self._tally, self._tally_due = self._tally, RequestTally(), False
        return tally

    def _rows(self, session: Session, batch: list[Item]) -> list[MetricRow]:
        """The writer's rows for a batch: its items' sums, and the tally's if it is due."""
        counted = [item for item in batch if isinstance(item, Counted)]
        sums = _sums(counted)
        if len(counted) < len(batch):
            sums = _merged(sums, self._take_tally().sums())
        return _rows_of(session, sums)

    def record(
        self,
        project: ProjectRef,
        object_type: str,
        *,
        object_id: uuid.UUID | None,
        object_name: str | None,
        values: dict[str, float],
        volume_of: tuple[str, Any] | None = None,
    ) -> None:
        """Values about a pipeline or connector; ``volume_of`` names a metric measured later."""
        subject = Subject(project.organization_id, project.id, object_type, object_id, object_name)
        self._writer.put(Counted(subject, time.time(), values, volume_of))

    def _sample_every(self) -> None:
        while not self._stop_sampling.wait(self.sample_seconds):
            self._sample()

    def _sample(self) -> None:
        """Count the running instances as running for the whole sampling period."""
        if self.sampler is None:
            return
        try:
            samples = self.sampler()
        except Exception:
            logger.exception("could not count the running instances")
            return
        at = time.time()
        for sample in samples:
            subject = Subject(None, sample.project_id, "model_version", sample.version_id, None)
            self._writer.put(Counted(subject, at, sample_values(sample, self.sample_seconds)))


REQUEST_METRICS = ("requests", "input_volume", "output_volume", "outputs", "compute")
"""What a model request contributes, in the order a tally adds them up."""
TALLY_DUE = TallyDue()


class RequestTally:
    """Model requests added up per subject and minute, as they are recorded: five numbers
    each, in the order of ``REQUEST_METRICS``. Plain text (nearly every no-op and text model's
    value) is measured on the spot; any other value is set aside with its key and measured
    when the tally is flushed, off the request path (encoding JSON costs what the value is
    long). Not thread-safe: the recorder holds a lock around it."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[Subject, int], list[float]] = {}
        self.unmeasured: list[tuple[list[float], Any, Any]] = []
        """(the numbers of a key, data, result) whose volumes are still to be added."""

    def add(
        self, subject: Subject, at: float, data: Any, result: Any, success: bool, seconds: float
    ) -> None:
        """One request (a failed one has no output, whatever its result)."""
        key = (subject, int(at // 60))
        numbers = self.numbers.get(key)
        if numbers is None:
            numbers = self.numbers[key] = [0.0, 0.0, 0.0, 0.0, 0.0]
        numbers[0] += 1.0
        numbers[4] += seconds
        if not success:
            result = None
        else:
            numbers[3] += 1.0
        if type(data) is str and type(result) in _PLAIN:
            numbers[1] += _text_volume(data)
            numbers[2] += 0 if result is None else _text_volume(result)
        else:
            self.unmeasured.append((numbers, data, result))

    def sums(self) -> Sums:
        """Per subject, metric and minute."""
        for numbers, data, result in self.unmeasured:
            try:
                data_volume = volume(data)  # measured first: one that cannot be is left out
                result_volume = volume(result)
            except (TypeError, ValueError):
                logger.exception("could not measure a recorded request")
                continue
            numbers[1] += data_volume
            numbers[2] += result_volume
        self.unmeasured = []
        sums: Sums = {}
        for (subject, minute), numbers in self.numbers.items():
            bucket = minute_of(minute * 60)
            for metric, value in zip(REQUEST_METRICS, numbers, strict=True):
                sums[(subject, metric, bucket)] = value
        return sums


_PLAIN = (str, type(None))


def _text_volume(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _sums(batch: list[Counted]) -> Sums:
    """Pipeline, connector and instance values per object, metric and minute."""
    others: dict[tuple[Subject, int], dict[str, float]] = {}
    for item in batch:
        key = (item.subject, int(item.at // 60))
        try:
            values = values_of(item)
        except (TypeError, ValueError):
            logger.exception("could not measure a recorded value")
            continue
        found = others.get(key)
        if found is None:
            others[key] = values
            continue
        for metric, value in values.items():
            found[metric] = found.get(metric, 0.0) + value
    sums: Sums = {}
    for (subject, minute), values in others.items():
        bucket = minute_of(minute * 60)
        for metric, value in values.items():
            sums[(subject, metric, bucket)] = value
    return sums


def _merged(first: Sums, second: Sums) -> Sums:
    for key, value in second.items():
        first[key] = first.get(key, 0.0) + value
    return first


def _rows_of(session: Session, sums: Sums) -> list[MetricRow]:
    """One row per object, metric and minute; subjects whose project is gone (or whose
    organization is not known and cannot be found) are left out."""
    unknown = {s.project_id for s, _, _ in sums if s.organization_id is None}
    organizations = repo.organizations_of(session, unknown) if unknown else {}
    return [
        MetricRow(
            organization_id=subject.organization_id or organizations[subject.project_id],
            project_id=subject.project_id,
            object_type=subject.object_type,
            object_id=subject.object_id,
            object_name=subject.object_name,
            metric=metric,
            bucket=bucket,
            value=value,
        )
        for (subject, metric, bucket), value in sums.items()
        if subject.organization_id or subject.project_id in organizations
    ]


# -- reading ---------------------------------------------------------------------------------


def metric_values(
    session: Session,
    project: ProjectRef,
    metric: str,
    *,
    object_type: str,
    start_time: str,
    end_time: str,
    interval: str = "hour",
    object_id: str | None = None,
) -> list[MetricPoint]:
    """``metric`` per interval from ``start_time`` to ``end_time``; empty intervals are zero."""
    rules.check_metric(metric, object_type)
    rules.check_interval(interval)
    start = rules.parse_datetime(start_time, field="start_time")
    end = rules.parse_datetime(end_time, field="end_time")
    periods = rules.intervals(start, end, interval)
    minutes = repo.sum_metric(
        session,
        scope=repo.project_scope(project.id),
        metric=metric,
        start=periods[0][0],
        end=periods[-1][1],
        object_type=object_type,
        object_ref=object_id,
    )
    totals: dict[datetime, float] = defaultdict(float)
    for bucket, value in minutes:
        totals[rules.floor_to(bucket, interval)] += value
    return [
        MetricPoint(
            start_time=begin,
            end_time=finish,
            value=_per_minute(totals.get(begin, 0.0), begin, finish, metric),
        )
        for begin, finish in periods
    ]


def _per_minute(value: float, begin: datetime, finish: datetime, metric: str) -> float:
    """Instance-minutes over an interval read back as the average number of instances."""
    if metric not in AVERAGED:
        return value
    return value / ((finish - begin).total_seconds() / 60)
