"""The controller's rules as a pure function: given the versions, the live workers, the
instances placed and the messages waiting, which placements to add and which to remove.

Per version: keep at least ``minimum_instances``; while requests wait in its queue beyond what
instances still starting will take, add up to ``maximum_instances`` (so a request to a version
with no instance brings one up: scale from zero); remove instances idle longer than
``maximum_idle_time`` down to the minimum once nothing waits. Instances on a worker that is no
longer alive, or of an older revision of the version's package, count for nothing and are
removed, so their version is placed again (elsewhere, or with the new package). A
new instance goes to the worker running the fewest of that version (spread), then the one with
the most free memory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Version:
    id: uuid.UUID
    minimum: int
    maximum: int
    idle_seconds: float
    memory_mb: int
    waiting: int = 0
    revision: int = 0


@dataclass(frozen=True)
class Placed:
    id: uuid.UUID
    version_id: uuid.UUID
    worker_id: uuid.UUID
    memory_mb: int
    ready: bool
    idle_for: float
    revision: int = 0


@dataclass(frozen=True)
class Worker:
    id: uuid.UUID
    free_mb: int


@dataclass
class Plan:
    add: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    """(version id, worker id) of each instance to start."""
    remove: list[uuid.UUID] = field(default_factory=list)
    """Placements to stop."""


def plan(versions: list[Version], workers: list[Worker], placed: list[Placed]) -> Plan:
    """What to change so that every version has the instances its rules ask for."""
    result = Plan()
    known = {v.id: v.revision for v in versions}
    free = {w.id: w.free_mb for w in workers}
    gone = [p for p in placed if known.get(p.version_id) != p.revision or p.worker_id not in free]
    result.remove.extend(p.id for p in gone)
    placed = [p for p in placed if p not in gone]
    for p in placed:
        if not p.ready and p.worker_id in free:
            free[p.worker_id] -= p.memory_mb  # not yet in the machine's own count
    for version in versions:
        mine = [p for p in placed if p.version_id == version.id]
        want = wanted(version, mine)
        if want > len(mine):
            for _ in range(want - len(mine)):
                worker = choose_worker(version, mine, result, free)
                if worker is None:
                    break
                result.add.append((version.id, worker))
                free[worker] -= version.memory_mb
        elif want < len(mine):
            result.remove.extend(p.id for p in surplus(mine, len(mine) - want))
    return result


def wanted(version: Version, mine: list[Placed]) -> int:
    """How many instances ``version`` should have now."""
    starting = sum(1 for p in mine if not p.ready)
    want = len(mine)
    if version.waiting > starting:
        want = max(want, len(mine) + version.waiting - starting)
    elif version.waiting == 0:
        idle = sum(1 for p in mine if p.ready and p.idle_for > version.idle_seconds)
        want -= idle
    return max(version.minimum, min(version.maximum, want))


def choose_worker(
    version: Version, mine: list[Placed], plan_so_far: Plan, free: dict[uuid.UUID, int]
) -> uuid.UUID | None:
    """The worker for one more instance of ``version``: fewest of it, then most free memory;
    None when no worker has the memory."""
    counts = dict.fromkeys(free, 0)
    for p in mine:
        if p.worker_id in counts:
            counts[p.worker_id] += 1
    for version_id, worker_id in plan_so_far.add:
        if version_id == version.id:
            counts[worker_id] += 1
    fitting = [w for w in free if free[w] >= version.memory_mb]
    if not fitting:
        return None
    return min(fitting, key=lambda w: (counts[w], -free[w], str(w)))


def surplus(mine: list[Placed], count: int) -> list[Placed]:
    """The ``count`` instances to stop: those still starting first, then the longest idle."""
    return sorted(mine, key=lambda p: (p.ready, -p.idle_for))[:count]
