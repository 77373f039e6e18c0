"""The controller's placement rules, as a pure function."""

from __future__ import annotations

import uuid
from dataclasses import replace

from modelyard.core.cluster.rules import Placed, Version, Worker, plan

A, B = uuid.UUID(int=1), uuid.UUID(int=2)
V = uuid.UUID(int=10)


def version(**changes: float) -> Version:
    fields: dict[str, float] = {
        "minimum": 0,
        "maximum": 4,
        "idle_seconds": 60,
        "memory_mb": 256,
        "waiting": 0,
    }
    fields.update(changes)
    return Version(
        V,
        int(fields["minimum"]),
        int(fields["maximum"]),
        fields["idle_seconds"],
        int(fields["memory_mb"]),
        waiting=int(fields["waiting"]),
    )


def placed(worker: uuid.UUID, *, ready: bool = True, idle_for: float = 0.0) -> Placed:
    return Placed(uuid.uuid4(), V, worker, 256, ready=ready, idle_for=idle_for)


WORKERS = [Worker(A, 4000), Worker(B, 8000)]


class TestPlacing:
    def test_the_minimum_is_kept_and_spread_over_workers(self) -> None:
        result = plan([version(minimum=2)], WORKERS, [])
        assert sorted(w for _, w in result.add) == [A, B]

    def test_a_waiting_request_brings_a_version_up_from_zero_on_the_freest_worker(self) -> None:
        assert plan([version(waiting=1)], WORKERS, []).add == [(V, B)]

    def test_requests_already_covered_by_starting_instances_add_none(self) -> None:
        assert plan([version(waiting=1)], WORKERS, [placed(A, ready=False)]).add == []

    def test_queue_depth_scales_up_to_the_maximum_only(self) -> None:
        assert len(plan([version(waiting=50, maximum=3)], WORKERS, [placed(A)]).add) == 2

    def test_no_worker_with_the_memory_places_nothing(self) -> None:
        assert plan([version(waiting=1, memory_mb=9000)], WORKERS, []).add == []

    def test_instances_of_a_dead_worker_are_placed_again_elsewhere(self) -> None:
        lost = uuid.UUID(int=3)
        result = plan([version(minimum=1)], [Worker(A, 4000)], [placed(lost)])
        assert result.add == [(V, A)]


class TestRemoving:
    def test_instances_idle_beyond_the_idle_time_stop_down_to_the_minimum(self) -> None:
        idle = [placed(A, idle_for=120), placed(B, idle_for=120)]
        assert len(plan([version(minimum=1)], WORKERS, idle).remove) == 1

    def test_idle_instances_stay_while_requests_wait(self) -> None:
        idle = [placed(A, idle_for=120)]
        assert plan([version(waiting=1)], WORKERS, idle).remove == []

    def test_instances_of_a_version_that_cannot_run_any_more_stop(self) -> None:
        orphan = placed(A)
        assert plan([], WORKERS, [orphan]).remove == [orphan.id]

    def test_instances_of_an_older_revision_are_replaced(self) -> None:
        old = placed(A)
        result = plan([replace(version(minimum=1), revision=1)], WORKERS, [old])
        assert result.remove == [old.id]
        assert len(result.add) == 1
