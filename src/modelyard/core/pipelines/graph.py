"""The pure rules of a pipeline's graph, with no I/O so that each is unit-tested alone.

Objects are nodes and attachments are edges. ``pipeline_start`` is the node that gives the
request's input; it is only ever a source, and connectors are only ever destinations.

Mapping: an attachment maps source output fields to destination input fields of the same data
type. The first attachment into an object maps every one of its input fields; a later one into
the same object (a join) maps at least the fields no other attachment maps, and where several
attachments map a field the most recent one supplies it. A plain object takes its one input
from one plain source, without a mapping.

Running: only objects reachable from ``pipeline_start`` run, each once all its sources are
done; an object whose sources have nothing to give it stays unrun.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from modelyard.core.pipelines.errors import invalid

START = "pipeline_start"
STRUCTURED, PLAIN = "structured", "plain"


@dataclass(frozen=True)
class Port:
    """One side of an object: plain, or structured with typed fields (name → data type)."""

    type: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Node:
    """An object as the graph sees it: ``kind`` is start, model or connector."""

    name: str
    kind: str
    takes: Port | None = None
    gives: Port | None = None


@dataclass(frozen=True)
class Edge:
    """An attachment: its mapping as (source field, destination field) pairs."""

    source: str
    destination: str
    mapping: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Plan:
    """What a request runs: objects in a dependency order, and the edges feeding each one."""

    order: tuple[str, ...]
    incoming: Mapping[str, tuple[Edge, ...]]


# -- attaching --------------------------------------------------------------------------------


def check_attachment(
    source: Node, destination: Node, mapping: Sequence[tuple[str, str]], *, others: Sequence[Edge]
) -> None:
    """Whether ``source`` may feed ``destination`` with ``mapping``; ``others`` are the edges
    already into ``destination`` from other sources."""
    gives, takes = _ends(source, destination)
    if PLAIN in (gives.type, takes.type):
        _check_plain(source, destination, (gives, takes), mapping, others=others)
        return
    _check_mapping(source, destination, (gives, takes), mapping, others=others)


def _ends(source: Node, destination: Node) -> tuple[Port, Port]:
    """What the source gives and the destination takes, when these may be attached at all."""
    if destination.kind == "start":
        raise invalid("destination_name", f"{START} can only be the source of an attachment")
    if source.kind == "connector" or source.gives is None:
        raise invalid("source_name", f"connector object '{source.name}' can only be a destination")
    if destination.takes is None:
        raise invalid("destination_name", f"object '{destination.name}' takes no input")
    if source.name == destination.name:
        raise invalid("destination_name", f"object '{source.name}' cannot feed itself")
    return source.gives, destination.takes


def _check_plain(
    source: Node,
    destination: Node,
    ports: tuple[Port, Port],
    mapping: Sequence[tuple[str, str]],
    *,
    others: Sequence[Edge],
) -> None:
    gives, takes = ports
    if gives.type != takes.type:
        raise invalid(
            "destination_name",
            f"'{source.name}' gives {gives.type} output but '{destination.name}' takes "
            f"{takes.type} input",
        )
    if mapping:
        raise invalid("mapping", "must be empty when attaching plain objects")
    if others:
        raise invalid(
            "destination_name",
            f"plain object '{destination.name}' already takes its input from '{others[0].source}'",
        )


def _check_mapping(
    source: Node,
    destination: Node,
    ports: tuple[Port, Port],
    mapping: Sequence[tuple[str, str]],
    *,
    others: Sequence[Edge],
) -> None:
    gives, takes = ports
    mapped: set[str] = set()
    for position, (source_field, destination_field) in enumerate(mapping):
        where = f"mapping[{position}]"
        if source_field not in gives.fields:
            raise invalid(
                f"{where}.source_field_name",
                f"'{source.name}' has no output field '{source_field}' "
                f"(it has {_listed(gives.fields)})",
            )
        if destination_field not in takes.fields:
            raise invalid(
                f"{where}.destination_field_name",
                f"'{destination.name}' has no input field '{destination_field}' "
                f"(it has {_listed(takes.fields)})",
            )
        if destination_field in mapped:
            raise invalid(
                f"{where}.destination_field_name",
                f"input field '{destination_field}' of '{destination.name}' is mapped twice",
            )
        given, taken = gives.fields[source_field], takes.fields[destination_field]
        if given != taken:
            raise invalid(
                where,
                f"output field '{source_field}' of '{source.name}' is {given} but input field "
                f"'{destination_field}' of '{destination.name}' is {taken}; "
                "mapped fields must have the same data type",
            )
        mapped.add(destination_field)
    covered = mapped | {d for edge in others for _, d in edge.mapping}
    _check_covered(destination.name, takes, covered)


def _check_covered(destination: str, takes: Port, mapped: set[str]) -> None:
    missing = [name for name in takes.fields if name not in mapped]
    if missing:
        raise invalid(
            "mapping",
            f"must map every input field of '{destination}'; not mapped: {', '.join(missing)}",
        )


def _listed(fields: Mapping[str, str]) -> str:
    return ", ".join(f"'{name}'" for name in fields) or "none"


# -- cycles -----------------------------------------------------------------------------------


def find_cycle(edges: Iterable[Edge], source: str, destination: str) -> list[str] | None:
    """The cycle that the edge ``source → destination`` would close, as a path of names
    starting and ending at ``source``; None when it closes none."""
    if source == destination:
        return [source, source]
    after: dict[str, list[str]] = {}
    for edge in edges:
        after.setdefault(edge.source, []).append(edge.destination)
    path = _path(after, destination, source)
    return [source, *path] if path else None


def _path(after: Mapping[str, Sequence[str]], start: str, goal: str) -> list[str] | None:
    """A path from ``start`` to ``goal`` along ``after``, found depth first."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen = {start}
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        for following in after.get(node, ()):
            if following not in seen:
                seen.add(following)
                stack.append((following, [*path, following]))
    return None


def check_acyclic(edges: Iterable[Edge], source: str, destination: str) -> None:
    cycle = find_cycle(edges, source, destination)
    if cycle is not None:
        raise invalid(
            "destination_name",
            f"attaching '{source}' to '{destination}' would make a cycle: " + " → ".join(cycle),
        )


# -- running ----------------------------------------------------------------------------------


def plan(nodes: Mapping[str, Node], edges: Sequence[Edge]) -> Plan:
    """The objects a request runs, in an order where each comes after all its sources.

    ``edges`` come in attachment order (oldest first), which is the order their mappings apply
    in. Refuses (400) a pipeline with an object whose input is not wholly mapped.
    """
    reachable = _reachable(edges)
    incoming: dict[str, list[Edge]] = {name: [] for name in reachable}
    for edge in edges:
        if edge.destination in incoming and (edge.source == START or edge.source in reachable):
            incoming[edge.destination].append(edge)
    order = _topological(incoming)
    for name in order:
        _check_fed(nodes[name], incoming[name])
    return Plan(order=order, incoming={name: tuple(incoming[name]) for name in order})


def _reachable(edges: Sequence[Edge]) -> set[str]:
    after: dict[str, list[str]] = {}
    for edge in edges:
        after.setdefault(edge.source, []).append(edge.destination)
    found: set[str] = set()
    todo = list(after.get(START, ()))
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(after.get(name, ()))
    return found


def _topological(incoming: Mapping[str, Sequence[Edge]]) -> tuple[str, ...]:
    waiting = {
        name: {e.source for e in edges if e.source != START} for name, edges in incoming.items()
    }
    order: list[str] = []
    ready = sorted(name for name, sources in waiting.items() if not sources)
    while ready:
        name = ready.pop(0)
        order.append(name)
        for other, sources in waiting.items():
            if name in sources:
                sources.discard(name)
                if not sources and other not in order and other not in ready:
                    ready.append(other)
    if len(order) != len(incoming):
        stuck = ", ".join(sorted(set(incoming) - set(order)))
        raise invalid("pipeline_name", f"the objects {stuck} form a cycle")
    return tuple(order)


def _check_fed(node: Node, incoming: Sequence[Edge]) -> None:
    takes = node.takes
    if takes is None or takes.type == PLAIN:
        return
    mapped = {destination for edge in incoming for _, destination in edge.mapping}
    missing = [name for name in takes.fields if name not in mapped]
    if missing:
        raise invalid(
            "pipeline_name",
            f"input field(s) {', '.join(missing)} of object '{node.name}' are not mapped by "
            "any attachment from a connected object",
        )


def sources_of(plan: Plan, name: str) -> set[str]:
    """The objects ``name`` waits for (``pipeline_start`` is always done)."""
    return {edge.source for edge in plan.incoming[name] if edge.source != START}


def assemble(takes: Port, incoming: Sequence[Edge], outputs: Mapping[str, Any]) -> Any:
    """An object's input from its sources' outputs: mappings apply oldest first."""
    if takes.type == PLAIN:
        return outputs[incoming[-1].source]
    data: dict[str, Any] = {}
    for edge in incoming:
        given = outputs[edge.source]
        for source_field, destination_field in edge.mapping:
            data[destination_field] = given.get(source_field) if isinstance(given, dict) else None
    return data
