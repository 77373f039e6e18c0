"""Logs, metrics, usage and the audit log on a real database."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from modelyard.core.identity import service as identity
from modelyard.core.identity import subscriptions
from modelyard.core.identity.schemas import (
    OrganizationCreate,
    Principal,
    ProjectCreate,
    ProjectRef,
    TokenIssued,
    UserCreate,
)
from modelyard.core.observe import audit, metrics, rules, service
from modelyard.core.observe.schemas import LogTags
from modelyard.db.engine import SessionFactory, add_all_tolerantly, transaction
from modelyard.db.tables import AuditLogRow, LogRow, MetricRow
from modelyard.errors import InvalidInput, NotFound

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def principal(session: Session, admin_token: TokenIssued) -> Principal:
    return identity.authenticate(session, admin_token.token)


@pytest.fixture
def project(session: Session, principal: Principal) -> ProjectRef:
    return identity.project_scope(session, principal, "default")


def add_line(session: Session, project: ProjectRef, minute: int, **tags: object) -> int:
    """A log line ``minute`` minutes after T0; returns its id."""
    row = LogRow(project_id=project.id, date=T0 + timedelta(minutes=minute), log=f"line {minute}")
    for name, value in tags.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row.id


def logs(
    session: Session, project: ProjectRef, filters: object = None, **query: object
) -> list[str]:
    found = service.list_logs(session, project, filters or {}, **query)  # type: ignore[arg-type]
    return [line.log for line in found]


class TestLogWindows:
    """From a log id or a date, ``date_range`` seconds forward or back, both ends inclusive."""

    @pytest.fixture
    def ids(self, session: Session, project: ProjectRef) -> list[int]:
        return [add_line(session, project, minute) for minute in range(10)]

    def test_forward_from_an_id_includes_it(
        self, session: Session, project: ProjectRef, ids: list[int]
    ) -> None:
        start = rules.render_log_id(ids[5])
        assert logs(session, project, log_id=start, date_range=120) == [
            "line 5",
            "line 6",
            "line 7",
        ]

    def test_back_from_an_id_includes_it_and_comes_oldest_first(
        self, session: Session, project: ProjectRef, ids: list[int]
    ) -> None:
        start = rules.render_log_id(ids[5])
        assert logs(session, project, log_id=start, date_range=-120) == [
            "line 3",
            "line 4",
            "line 5",
        ]

    def test_limit_keeps_the_lines_nearest_the_start(
        self, session: Session, project: ProjectRef, ids: list[int]
    ) -> None:
        start = rules.render_log_id(ids[5])
        assert logs(session, project, log_id=start, date_range=-600, limit=2) == [
            "line 4",
            "line 5",
        ]
        assert logs(session, project, log_id=start, date_range=600, limit=2) == [
            "line 5",
            "line 6",
        ]

    def test_from_a_date_both_ends_are_inclusive(
        self, session: Session, project: ProjectRef, ids: list[int]
    ) -> None:
        date = (T0 + timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
        assert logs(session, project, date=date, date_range=60) == ["line 2", "line 3"]
        assert logs(session, project, date=date, date_range=-60) == ["line 1", "line 2"]

    def test_lines_at_the_same_moment_page_by_id(
        self, session: Session, project: ProjectRef, ids: list[int]
    ) -> None:
        twin = add_line(session, project, 5)
        start = rules.render_log_id(ids[5])
        assert logs(session, project, log_id=start, date_range=0) == ["line 5", "line 5"]
        assert logs(session, project, log_id=rules.render_log_id(twin), date_range=-1) == [
            "line 5",
            "line 5",
        ]
        assert logs(session, project, log_id=rules.render_log_id(twin), date_range=1) == ["line 5"]

    def test_without_date_or_id_the_last_six_hours_are_returned(
        self, session: Session, project: ProjectRef, ids: list[int]
    ) -> None:
        service.system_log(session, project.id, "just now")
        old = LogRow(project_id=project.id, date=datetime.now(UTC) - timedelta(hours=7), log="old")
        session.add(old)
        session.flush()
        assert logs(session, project) == ["just now"]

    def test_the_default_limit_is_fifty(self, session: Session, project: ProjectRef) -> None:
        for _ in range(60):
            service.system_log(session, project.id, "busy")
        assert len(logs(session, project)) == 50
        assert len(logs(session, project, limit=55)) == 55


class TestLogFilters:
    @pytest.fixture(autouse=True)
    def lines(self, session: Session, project: ProjectRef) -> None:
        add_line(session, project, 0, model_name="m", model_version="v1", request_id="r1")
        add_line(session, project, 1, model_name="m", model_version="v2", system=True)
        add_line(session, project, 2, model_name="other", model_version="v1")
        add_line(
            session,
            project,
            3,
            pipeline_name="p",
            pipeline_object_name="o",
            connector_name="c",
            pipeline_request_id="pr1",
            system=True,
        )

    def query(self, session: Session, project: ProjectRef, filters: dict[str, object]) -> list[str]:
        date = T0.isoformat()
        return logs(session, project, filters, date=date, date_range=3600)

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({}, ["line 0", "line 1", "line 2", "line 3"]),
            ({"model_name": "m"}, ["line 0", "line 1"]),
            ({"model_name": "m", "model_version": "v1"}, ["line 0"]),
            ({"request_id": "r1"}, ["line 0"]),
            ({"system": True}, ["line 1", "line 3"]),
            ({"system": "false"}, ["line 0", "line 2"]),
            ({"pipeline_name": "p", "pipeline_object_name": "o"}, ["line 3"]),
            ({"connector_name": "c"}, ["line 3"]),
            ({"pipeline_request_id": "pr1"}, ["line 3"]),
            ({"model_name": "m", "system": True}, ["line 1"]),
        ],
    )
    def test_each_filter_narrows_the_lines(
        self,
        session: Session,
        project: ProjectRef,
        filters: dict[str, object],
        expected: list[str],
    ) -> None:
        assert self.query(session, project, filters) == expected

    @pytest.mark.parametrize(
        ("filters", "field"),
        [
            ({"model_version": "v1"}, "filters.model_version"),
            ({"pipeline_object_name": "o"}, "filters.pipeline_object_name"),
            ({"colour": "blue"}, "filters.colour"),
            ({"system": "maybe"}, "filters.system"),
            ({"model_name": ""}, "filters.model_name"),
        ],
    )
    def test_bad_filters_are_refused_by_name(
        self, session: Session, project: ProjectRef, filters: dict[str, object], field: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            self.query(session, project, filters)
        assert caught.value.field == field

    def test_lines_of_another_project_are_never_returned(
        self, session: Session, principal: Principal, project: ProjectRef
    ) -> None:
        other = identity.create_project(
            session, principal, ProjectCreate(name="other-project", organization_name="default")
        )
        scope = identity.project_scope(session, principal, other.name)
        assert self.query(session, scope, {}) == []
        own_id = rules.render_log_id(session.scalars(select(LogRow.id)).first() or 0)
        with pytest.raises(NotFound):
            logs(session, scope, log_id=own_id)


class TestLogLimits:
    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"date_range": 86401}, "date_range"),
            ({"date_range": -86401}, "date_range"),
            ({"limit": 501}, "limit"),
            ({"limit": 0}, "limit"),
            ({"log_id": "abc"}, "id"),
            ({"log_id": "z" * 24}, "id"),
            ({"date": "yesterday"}, "date"),
        ],
    )
    def test_out_of_range_values_are_refused(
        self, session: Session, project: ProjectRef, query: dict[str, object], field: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            logs(session, project, **query)
        assert caught.value.field == field

    def test_the_extremes_are_accepted(self, session: Session, project: ProjectRef) -> None:
        assert logs(session, project, date_range=86400, limit=500) == []
        assert logs(session, project, date_range=-86400, limit=1) == []

    def test_an_unknown_id_is_not_found(self, session: Session, project: ProjectRef) -> None:
        with pytest.raises(NotFound):
            logs(session, project, log_id=rules.render_log_id(999_999))

    def test_log_ids_are_24_hex_digits_and_round_trip(self) -> None:
        rendered = rules.render_log_id(4711)
        assert len(rendered) == 24
        assert rules.parse_log_id(rendered) == 4711


class TestSystemLines:
    def test_a_system_line_keeps_its_tags(self, session: Session, project: ProjectRef) -> None:
        tags = LogTags(model_name="m", model_version="v1", request_id="r")
        service.system_log(session, project.id, "build started", tags=tags, level="error")
        [line] = service.list_logs(session, project, {"system": True})
        assert (line.log, line.model_name, line.model_version, line.request_id) == (
            "build started",
            "m",
            "v1",
            "r",
        )
        assert line.system is True


# -- metrics -------------------------------------------------------------------------------------


def add_metric(
    session: Session,
    project: ProjectRef,
    bucket: datetime,
    value: float,
    *,
    metric: str = "requests",
    object_type: str = "model_version",
    object_id: uuid.UUID | None = None,
) -> None:
    session.add(
        MetricRow(
            organization_id=project.organization_id,
            project_id=project.id,
            object_type=object_type,
            object_id=object_id,
            metric=metric,
            bucket=bucket,
            value=value,
        )
    )
    session.flush()


def values(points: list[object]) -> list[float]:
    return [p.value for p in points]  # type: ignore[attr-defined]


class TestMetricValues:
    def test_minutes_sum_rows_and_empty_minutes_are_zero(
        self, session: Session, project: ProjectRef
    ) -> None:
        add_metric(session, project, T0, 2)
        add_metric(session, project, T0, 3)  # a second server's row of the same minute
        add_metric(session, project, T0 + timedelta(minutes=2), 1)
        points = metrics.metric_values(
            session,
            project,
            "requests",
            object_type="model_version",
            start_time="2026-01-10T12:00:00+00:00",
            end_time="2026-01-10T12:03:00+00:00",
            interval="minute",
        )
        assert values(points) == [5, 0, 1]
        assert [p.start_time.minute for p in points] == [0, 1, 2]
        assert points[-1].end_time == T0 + timedelta(minutes=3)

    def test_hours_days_and_months_aggregate_minutes(
        self, session: Session, project: ProjectRef
    ) -> None:
        add_metric(session, project, T0 + timedelta(minutes=5), 4)
        add_metric(session, project, T0 + timedelta(minutes=65), 6)
        add_metric(session, project, T0 + timedelta(days=1), 1)
        common = {"object_type": "model_version", "start_time": T0.isoformat()}
        hours = metrics.metric_values(
            session, project, "requests", end_time="2026-01-10T15:00:00Z", interval="hour", **common
        )
        assert values(hours) == [4, 6, 0]
        days = metrics.metric_values(
            session, project, "requests", end_time="2026-01-11T12:00:00Z", interval="day", **common
        )
        assert values(days) == [10, 1]
        assert days[0].start_time == datetime(2026, 1, 10, tzinfo=UTC)
        months = metrics.metric_values(
            session,
            project,
            "requests",
            end_time="2026-01-20T00:00:00Z",
            interval="month",
            **common,
        )
        assert values(months) == [11]

    def test_one_object_or_one_object_type(self, session: Session, project: ProjectRef) -> None:
        version = uuid.uuid4()
        add_metric(session, project, T0, 2, object_id=version)
        add_metric(session, project, T0, 5, object_id=uuid.uuid4())
        add_metric(session, project, T0, 7, object_type="pipeline")
        common = {
            "start_time": T0.isoformat(),
            "end_time": T0.isoformat(),
            "interval": "minute",
        }
        by_type = metrics.metric_values(
            session, project, "requests", object_type="model_version", **common
        )
        assert values(by_type) == [7]
        by_id = metrics.metric_values(
            session,
            project,
            "requests",
            object_type="model_version",
            object_id=str(version),
            **common,
        )
        assert values(by_id) == [2]

    @pytest.mark.parametrize(
        ("metric", "query", "field"),
        [
            ("volume", {"object_type": "model_version"}, "metric"),
            ("requests", {"object_type": "deployment"}, "object_type"),
            ("requests", {"interval": "week"}, "interval"),
            ("requests", {"start_time": "soon"}, "start_time"),
            ("requests", {"end_time": "2020-01-01T00:00:00Z"}, "end_time"),
        ],
    )
    def test_bad_parameters_are_refused_by_name(
        self, session: Session, project: ProjectRef, metric: str, query: dict[str, str], field: str
    ) -> None:
        arguments = {
            "object_type": "model_version",
            "start_time": T0.isoformat(),
            "end_time": T0.isoformat(),
            **query,
        }
        with pytest.raises(InvalidInput) as caught:
            metrics.metric_values(session, project, metric, **arguments)
        assert caught.value.field == field

    def test_a_plus_decoded_as_a_space_is_read_back(self) -> None:
        parsed = rules.parse_datetime("2026-01-10T13:00:00 01:00", field="start_time")
        assert parsed == T0


class TestMetricRecorder:
    def test_recorded_requests_are_flushed_per_minute(
        self, sessions: SessionFactory, session: Session, project: ProjectRef
    ) -> None:
        session.commit()
        recorder = metrics.MetricRecorder(sessions, flush_seconds=60)
        recorder.start()
        version = uuid.uuid4()
        for success in (True, True, False):
            recorder.record_model_request(
                project,
                version,
                data={"x": 1},
                result={"y": 22} if success else None,
                success=success,
                seconds=0.5,
            )
        recorder.record(
            project,
            "pipeline",
            object_id=None,
            object_name="p",
            values={"requests": 1.0},
            volume_of=("input_volume", "hello"),
        )
        recorder.close()
        with transaction(sessions) as fresh:
            rows = fresh.scalars(select(MetricRow)).all()
            totals = {(r.object_type, r.metric): r.value for r in rows}
            this_month = subscriptions.requests_this_month(
                fresh, project.organization_id, datetime.now(UTC)
            )
        assert totals[("model_version", "requests")] == 3
        assert totals[("model_version", "outputs")] == 2
        assert totals[("model_version", "input_volume")] == 3 * len('{"x":1}')
        assert totals[("model_version", "output_volume")] == 2 * len('{"y":22}')
        assert totals[("model_version", "compute")] == pytest.approx(1.5)
        assert totals[("pipeline", "input_volume")] == 5
        assert this_month == 3

    def test_requests_recorded_after_a_flush_are_flushed_too(
        self, sessions: SessionFactory, session: Session, project: ProjectRef
    ) -> None:
        session.commit()
        recorder = metrics.MetricRecorder(sessions, flush_seconds=0.02)
        recorder.start()

        def flushed() -> float:
            with transaction(sessions) as fresh:
                rows = fresh.scalars(select(MetricRow).where(MetricRow.metric == "requests"))
                return sum(row.value for row in rows)

        def record(count: int) -> None:
            for _ in range(count):
                recorder.record_model_request(
                    project, uuid.uuid4(), data="x", result="y", success=True, seconds=0.1
                )

        def flushed_within(seconds: float, count: float) -> float:
            deadline = time.monotonic() + seconds
            while (found := flushed()) < count and time.monotonic() < deadline:
                time.sleep(0.02)
            return found

        record(3)
        assert flushed_within(10, 3) == 3  # written by the writer's thread, before any close
        record(2)  # into a fresh tally, which must get a flush of its own
        assert flushed_within(10, 5) == 5
        recorder.close()
        record(1)  # refused once closed, as any record
        assert flushed() == 5

    def test_a_tally_sums_per_object_metric_and_minute(self, project: ProjectRef) -> None:
        def subject(version: uuid.UUID) -> metrics.Subject:  # a new one per request
            return metrics.Subject(
                project.organization_id, project.id, "model_version", version, None
            )

        first, second, minute = uuid.uuid4(), uuid.uuid4(), 1_800_000_000.0  # a minute's start
        tally = metrics.RequestTally()
        tally.add(subject(first), minute + 1, "ab", "ba", True, 0.5)
        tally.add(subject(first), minute + 59, "abc", "not an output", False, 0.25)
        tally.add(subject(first), minute + 60, "a", "a", True, 1.0)
        tally.add(subject(second), minute + 2, "abcd", "dcba", True, 2.0)
        tally.add(subject(second), minute + 3, {"é": [1, 2]}, None, True, 1.0)  # measured later
        tally.add(subject(second), minute + 4, "é", "ü", True, 0.0)  # bytes, not characters
        sums = {
            (s.object_id, metric, bucket.timestamp()): value
            for (s, metric, bucket), value in tally.sums().items()
        }
        assert sums[(first, "requests", minute)] == 2
        assert sums[(first, "input_volume", minute)] == 5
        assert sums[(first, "output_volume", minute)] == 2
        assert sums[(first, "outputs", minute)] == 1
        assert sums[(first, "compute", minute)] == 0.75
        assert sums[(first, "requests", minute + 60)] == 1
        assert sums[(second, "requests", minute)] == 3
        assert sums[(second, "outputs", minute)] == 3
        assert sums[(second, "input_volume", minute)] == 4 + len('{"\\u00e9":[1,2]}') + 2
        assert sums[(second, "output_volume", minute)] == 4 + 0 + 2
        assert len(sums) == 3 * 5

    def test_a_value_that_cannot_be_measured_leaves_its_volumes_out(
        self, project: ProjectRef
    ) -> None:
        subject = metrics.Subject(
            project.organization_id, project.id, "model_version", uuid.uuid4(), None
        )
        circular: dict[str, object] = {}
        circular["x"] = circular
        tally = metrics.RequestTally()
        tally.add(subject, 0.0, {"x": float("nan")}, "ok", True, 1.0)
        tally.add(subject, 1.0, circular, "ok", True, 1.0)  # no JSON can hold it
        sums = {metric: value for (_, metric, _), value in tally.sums().items()}
        assert sums["requests"] == 2
        assert sums["input_volume"] == len('{"x":NaN}')
        assert sums["output_volume"] == 2

    def test_running_instances_are_sampled(
        self, sessions: SessionFactory, session: Session, project: ProjectRef
    ) -> None:
        session.commit()
        version, calls = uuid.uuid4(), []

        def sampler() -> list[metrics.InstanceSample]:
            calls.append(1)
            return [metrics.InstanceSample(project.id, version, 2, 512)]

        recorder = metrics.MetricRecorder(
            sessions, flush_seconds=60, sampler=sampler, sample_seconds=0.05
        )
        recorder.start()
        time.sleep(0.3)
        recorder.close()
        with transaction(sessions) as fresh:
            rows = fresh.scalars(select(MetricRow)).all()
            totals: dict[str, float] = defaultdict(float)
            for row in rows:
                totals[row.metric] += row.value
            assert {row.organization_id for row in rows} == {project.organization_id}
            start = rules.floor_to(min(row.bucket for row in rows), "minute")
            points = metrics.metric_values(
                fresh,
                project,
                "instances",
                object_type="model_version",
                start_time=start.isoformat(),
                end_time=(start + timedelta(seconds=61)).isoformat(),  # the sampling may span two
                interval="minute",
            )
        assert calls
        assert totals["active_time"] == pytest.approx(len(calls) * 2 * 0.05)
        assert totals["gb_seconds"] == pytest.approx(len(calls) * 2 * 0.05 / 2)
        assert sum(p.value for p in points) == pytest.approx(len(calls) * 2 * 0.05 / 60)


class TestRequestsThisMonth:
    def test_only_this_month_and_this_organization_count(
        self, session: Session, principal: Principal, project: ProjectRef
    ) -> None:
        now = datetime(2026, 3, 15, tzinfo=UTC)
        add_metric(session, project, datetime(2026, 3, 1, tzinfo=UTC), 4)
        add_metric(session, project, datetime(2026, 3, 31, 23, 59, tzinfo=UTC), 1)
        add_metric(session, project, datetime(2026, 2, 28, 23, 59, tzinfo=UTC), 100)
        add_metric(session, project, datetime(2026, 3, 2, tzinfo=UTC), 50, object_type="pipeline")
        identity.create_organization(
            session,
            principal,
            OrganizationCreate(name="elsewhere", subscription="free", subscription_agreed=True),
        )
        identity.create_project(
            session, principal, ProjectCreate(name="far", organization_name="elsewhere")
        )
        far = identity.project_scope(session, principal, "far")
        add_metric(session, far, datetime(2026, 3, 3, tzinfo=UTC), 1000)
        assert subscriptions.requests_this_month(session, project.organization_id, now) == 5
        assert subscriptions.requests_this_month(session, far.organization_id, now) == 1000


class TestUsage:
    def test_project_usage_has_every_billing_metric_per_month(
        self, session: Session, project: ProjectRef
    ) -> None:
        now = datetime.now(UTC)
        add_metric(session, project, now - timedelta(minutes=1), 3)
        series = service.project_usage(session, project, start_month=None)
        assert {(s.object_type, s.metric) for s in series} == set(service.BILLING_METRICS)
        requests = next(
            s for s in series if (s.object_type, s.metric) == ("model_version", "requests")
        )
        assert len(requests.usage) == 12
        assert requests.usage[-1].start == rules.floor_to(now - timedelta(minutes=1), "month")
        assert [p.value for p in requests.usage].count(3) == 1
        assert sum(p.value for p in requests.usage) == 3

    def test_organization_usage_details_are_per_day(
        self, session: Session, principal: Principal, project: ProjectRef
    ) -> None:
        add_metric(session, project, datetime(2026, 2, 3, 10, tzinfo=UTC), 2, metric="gb_seconds")
        details = service.organization_usage_details(session, principal, "default", month="2026-02")
        gb = next(s for s in details if s.metric == "gb_seconds")
        assert len(gb.usage) == 28
        assert gb.usage[2].start == datetime(2026, 2, 3, tzinfo=UTC)
        assert [p.value for p in gb.usage] == [0, 0, 2] + [0] * 25
        monthly = service.organization_usage(session, principal, "default", start_month="2026-02")
        gb_monthly = next(s for s in monthly if s.metric == "gb_seconds")
        assert gb_monthly.usage[0].value == 2

    @pytest.mark.parametrize("month", ["2026-13", "02-2026", "soon"])
    def test_a_bad_month_is_refused(
        self, session: Session, principal: Principal, month: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            service.organization_usage_details(session, principal, "default", month=month)
        assert caught.value.field == "month"

    def test_an_organization_of_others_is_not_found(
        self, session: Session, principal: Principal
    ) -> None:
        with pytest.raises(NotFound):
            service.organization_usage(session, principal, "nobody-here", start_month=None)


# -- audit ---------------------------------------------------------------------------------------


class TestAuditLog:
    def test_successful_changes_are_kept_with_who_but_not_reads_or_failures(
        self, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        recorder = audit.AuditRecorder(sessions)
        recorder.start()
        token = admin_token.token
        recorder.record("POST", "/v2.1/projects/default/models", 201, token=token)
        recorder.record("DELETE", "/v2.1/projects/default/models/m", 204, token=token)
        recorder.record("GET", "/v2.1/projects/default/models", 200, token=token)
        recorder.record("POST", "/v2.1/projects/default/models", 400, token=token)
        recorder.record(
            "POST", "/v2.1/projects/default/models/m/versions/v/request", 200, token=token
        )
        recorder.record("POST", "/v2.1/projects/default/logs", 201, token=token)
        recorder.record("POST", "/v2.1/organizations", 201, token=None)
        recorder.close()
        with transaction(sessions) as session:
            entries = audit.list_entries(session)
            in_project = audit.list_entries(session, project_name="default")
            stored = session.scalars(select(AuditLogRow)).all()
        assert [(e.method, e.path) for e in entries] == [
            ("POST", "/v2.1/organizations"),
            ("DELETE", "/v2.1/projects/default/models/m"),
            ("POST", "/v2.1/projects/default/models"),
        ]
        assert entries[1].actor_email == "admin@modelyard.local"
        assert (entries[1].resource_type, entries[1].resource_name) == ("models", "m")
        assert entries[0].actor_email is None
        assert len(in_project) == 2
        assert all(token not in repr(row.__dict__) for row in stored)

    def test_changes_of_several_callers_written_together_keep_each_caller(
        self, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        with transaction(sessions) as session:
            identity.create_user(session, UserCreate(email="second@modelyard.local"))
            second = identity.issue_token(session, "second@modelyard.local").token
        callers = [admin_token.token, second, "not-a-token", None] * 30
        recorder = audit.AuditRecorder(sessions)
        for n, token in enumerate(callers):  # queued before the writer starts: few batches
            recorder.record("POST", f"/v2.1/projects/default/models/m{n}", 201, token=token)
        recorder.start()
        recorder.close()
        with transaction(sessions) as session:
            entries = audit.list_entries(session, limit=1000)
        written = {e.resource_name: e.actor_email for e in entries}
        emails = {
            admin_token.token: "admin@modelyard.local",
            second: "second@modelyard.local",
            "not-a-token": None,
            None: None,
        }
        assert written == {f"m{n}": emails[token] for n, token in enumerate(callers)}

    def test_a_token_revoked_before_its_change_is_written_still_names_its_user(
        self, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        with transaction(sessions) as session:
            identity.authenticate(session, admin_token.token)  # in the cached lookups now
        recorder = audit.AuditRecorder(sessions)
        recorder.record("DELETE", "/v2.1/projects/default/models/m", 204, token=admin_token.token)
        with transaction(sessions) as session:
            identity.revoke_token(session, admin_token.token)
        recorder.start()
        recorder.close()
        with transaction(sessions) as session:
            [entry] = audit.list_entries(session)
        assert entry.actor_email == "admin@modelyard.local"

    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            ("/v2.1/projects/p/models/m", ("models", "m", "p")),
            ("/v2.1/projects/p/models", ("models", None, "p")),
            ("/v2.1/organizations/o/users/u", ("users", "u", None)),
            ("/v0/models/abc/dataset", ("dataset", None, None)),
        ],
    )
    def test_a_path_names_its_resource(
        self, path: str, expected: tuple[str | None, str | None, str | None]
    ) -> None:
        found = audit.resource_of(path)
        assert (found.type, found.name, found.project_name) == expected


class TestTolerantWrites:
    def test_lines_of_a_deleted_project_do_not_take_others_down(
        self, sessions: SessionFactory, admin_token: TokenIssued
    ) -> None:
        with transaction(sessions) as session:
            principal = identity.authenticate(session, admin_token.token)
            live = identity.project_scope(session, principal, "default")
        rows = [
            LogRow(project_id=live.id, log="kept"),
            LogRow(project_id=uuid.uuid4(), log="orphan"),
            LogRow(project_id=live.id, log="kept too"),
        ]
        assert add_all_tolerantly(sessions, rows) == 2
        with transaction(sessions) as session:
            logged = session.scalars(select(LogRow.log).order_by(LogRow.id)).all()
        assert list(logged) == ["kept", "kept too"]
