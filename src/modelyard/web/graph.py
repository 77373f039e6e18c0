"""A pipeline drawn as SVG: objects as boxes in columns by their distance from the start,
attachments as arrows. Pure: names and edges in, markup out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from markupsafe import Markup, escape

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 150, 44, 70, 24, 12


def columns(nodes: Sequence[str], edges: Sequence[tuple[str, str]], start: str) -> dict[str, int]:
    """Each node's column: the longest path to it from ``start`` (cycles and unreachable nodes
    are put after the rest, never looped over)."""
    column = {start: 0}
    for _ in range(len(nodes) + 1):
        changed = False
        for source, destination in edges:
            further = column[source] + 1 if source in column else -1
            if column.get(destination, -1) < further <= len(nodes):
                column[destination] = further
                changed = True
        if not changed:
            break
    last = max(column.values(), default=0)
    for node in nodes:
        column.setdefault(node, last + 1)
    return column


def draw(nodes: Sequence[str], edges: Sequence[tuple[str, str]], start: str, label: str) -> Markup:
    column = columns(nodes, edges, start)
    stacks: dict[int, list[str]] = defaultdict(list)
    for node in sorted(nodes, key=lambda n: (column[n], n)):
        stacks[column[node]].append(node)
    place: dict[str, tuple[float, float]] = {}
    for index, stacked in stacks.items():
        for row, node in enumerate(stacked):
            place[node] = (PAD + index * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
    width = PAD * 2 + (max(stacks, default=0) + 1) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + max((len(s) for s in stacks.values()), default=1) * (BOX_H + GAP_Y) - GAP_Y
    parts = [
        f'<svg class="graph" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    for source, destination in edges:
        if source in place and destination in place:
            (x1, y1), (x2, y2) = place[source], place[destination]
            parts.append(
                f'<line class="edge" x1="{x1 + BOX_W}" y1="{y1 + BOX_H / 2}" x2="{x2}" '
                f'y2="{y2 + BOX_H / 2}" marker-end="url(#arrow)" '
                f'data-edge="{escape(source)}→{escape(destination)}"/>'
            )
    for node, (x, y) in place.items():
        parts.append(
            f'<g class="node" data-node="{escape(node)}"><rect x="{x}" y="{y}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="6"/><text x="{x + BOX_W / 2}" y="{y + BOX_H / 2 + 5}" '
            f'text-anchor="middle">{escape(node[:22])}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value in it is escaped above)
