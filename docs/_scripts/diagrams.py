"""The protocol diagrams: the states one rotated (or rescoped) credential goes through.

``python -m docs._scripts.diagrams OUTDIR`` writes ``rotation-states.svg`` and
``rescope-states.svg``. The states are the journal's (``rotation.journal.Stage``; the
rescope journal's records); ``tests/docs/test_diagrams.py`` holds them to the code, so a
new stage without a box fails the suite.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import attrs

from . import figures

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Text

Kind = Literal["state", "failed", "end", "event"]


@attrs.frozen
class State:
    """A box: ``key`` names it in the edges (and, for journal stages, is the stage)."""

    key: str
    label: str
    x: float
    y: float
    kind: Kind = "state"


@attrs.frozen
class Edge:
    """An arrow from one box to another; ``resume`` edges are drawn dashed."""

    source: str
    target: str
    label: str
    bend: float = 0.0
    resume: bool = False
    #: 0: the label on the arrow; 1: beside it, to the right (for the main flow).
    side: int = 0


@attrs.frozen
class Diagram:
    """One picture: its boxes, its arrows and its caption."""

    name: str
    caption: str
    states: tuple[State, ...]
    edges: tuple[Edge, ...]


# Drawn top to bottom, the protocol's order; failures to the right, the resumed run to
# the left, its arrows dashed. One unit is about an inch.
ROTATION: Final = Diagram(
    name="rotation-states",
    caption="rotate(): one credential, as its journal records it",
    states=(
        State("planned", "planned\nlisted in the job's header", 0, 0),
        State(
            "pending", "pending\nthe new password journaled\n(fsync'd) before it is sent", 0, -1.6
        ),
        State("set", "set\nthe server has it", 0, -3.2),
        State("verified", "verified\nit logs in through /query", 0, -4.8),
        State("done", "done\npublished to the sink,\nthen journaled done", 0, -6.4),
        State("complete", "job complete\npasswords scrubbed\nfrom the journal", 0, -8.0, "end"),
        State("failed", "failed\nthe old password stands", 4.1, -1.6, "failed"),
        State(
            "resume",
            "a crash, kill -9\nor a lost answer:\nrun the same job again",
            -3.9,
            -3.2,
            "event",
        ),
    ),
    edges=(
        Edge("planned", "pending", "generate", side=1),
        Edge("pending", "set", "set password (retries\nresend the same one)", side=1),
        Edge("set", "verified", "log in", side=1),
        Edge("verified", "done", "publish", side=1),
        Edge("done", "complete", "every item finished", side=1),
        Edge("pending", "failed", "refused or not\nfound, never set"),
        Edge("resume", "pending", "resend the journaled\npassword", bend=-0.2, resume=True),
        Edge("resume", "set", "set it again", resume=True),
        Edge("resume", "verified", "publish it", bend=0.2, resume=True),
    ),
)

RESCOPE: Final = Diagram(
    name="rescope-states",
    caption="rescope(): one credential, delete and create with the same password",
    states=(
        State("planned", "planned\nits current password logs in", 0, 0),
        State("journaled", "journaled\nold record, new spec and\npassword (fsync'd)", 0, -1.6),
        State("mapped", "mapped\nthe DBRP mappings made (kept)", 0, -3.2),
        State("deleted", "old deleted\nfor an instant neither logs in", 0, -4.8),
        State("created", "new created\nsame username; journaled", 0, -6.4),
        State("done", "done\nsame password, verified", 0, -8.0, "end"),
        State(
            "failed", "failed\nthe old one put back\nwith the same password", 3.3, -6.4, "failed"
        ),
        State(
            "resume",
            "a crash or kill -9:\nrun the job again; what\nthe server holds under\n"
            "the username decides",
            -4.0,
            -5.6,
            "event",
        ),
    ),
    edges=(
        Edge("planned", "journaled", "before any change", side=1),
        Edge("journaled", "mapped", "create mappings", side=1),
        Edge("mapped", "deleted", "delete the old one", side=1),
        Edge("deleted", "created", "create the new one", side=1),
        Edge("created", "done", "set the same password,\nverify", side=1),
        Edge("deleted", "failed", "create refused", bend=-0.2),
        Edge("resume", "deleted", "the old one:\ndelete it", bend=-0.2, resume=True),
        Edge("resume", "created", "none: create it", resume=True),
        Edge("resume", "done", "the new one: set\nthe password", bend=0.25, resume=True),
    ),
)

DIAGRAMS: Final = (ROTATION, RESCOPE)

_FILL: Final[dict[Kind, str]] = {
    "state": "#e8eaf6",
    "failed": "#ffebee",
    "end": "#e8f5e9",
    "event": "#fff8e1",
}
_EDGE: Final[dict[Kind, str]] = {
    "state": figures.INDIGO,
    "failed": figures.RED,
    "end": figures.GREEN,
    "event": figures.ORANGE,
}


def _box(axes: Axes, state: State) -> Text:
    bold = state.kind != "event"
    first, _, rest = state.label.partition("\n")
    return axes.text(
        state.x,
        state.y,
        f"$\\bf{{{first.replace(' ', '~')}}}$\n{rest}" if bold else state.label,
        ha="center",
        va="center",
        fontsize=9,
        color=figures.INK,
        linespacing=1.35,
        bbox={
            "boxstyle": "round,pad=0.55",
            "facecolor": _FILL[state.kind],
            "edgecolor": _EDGE[state.kind],
            "linewidth": 1.2,
        },
        zorder=3,
    )


def _arrow(axes: Axes, boxes: dict[str, Text], states: dict[str, State], edge: Edge) -> None:
    source, target = states[edge.source], states[edge.target]
    colour = figures.ORANGE if edge.resume else _EDGE[target.kind]
    axes.annotate(
        "",
        xy=(target.x, target.y),
        xytext=(source.x, source.y),
        arrowprops={
            "arrowstyle": "-|>",
            "color": colour,
            "linewidth": 1.3,
            "linestyle": (0, (4, 3)) if edge.resume else "solid",
            "shrinkA": 4,
            "shrinkB": 4,
            "patchA": boxes[edge.source].get_bbox_patch(),
            "patchB": boxes[edge.target].get_bbox_patch(),
            "connectionstyle": f"arc3,rad={edge.bend}",
            "mutation_scale": 14,
        },
        zorder=2,
    )
    # The label at the middle of the curve (a quadratic Bezier: mid + rad/2 * normal).
    dx, dy = target.x - source.x, target.y - source.y
    x = (source.x + target.x) / 2 + edge.bend / 2 * dy
    y = (source.y + target.y) / 2 - edge.bend / 2 * dx
    if edge.side:
        x += 0.12
    axes.text(
        x,
        y,
        edge.label,
        ha="left" if edge.side else "center",
        va="center",
        fontsize=8,
        color=colour,
        style="italic",
        linespacing=1.2,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": figures.PAPER, "edgecolor": "none"},
        zorder=4,
    )


def draw(diagram: Diagram, directory: Path) -> Path:
    """Draw ``diagram`` as ``<name>.svg`` in ``directory``."""
    figures.pyplot_for_svg()
    import matplotlib.pyplot as plt  # noqa: PLC0415 - a docs-only dependency

    figure, axes = plt.subplots(figsize=(9.5, 9.5))
    axes.set_aspect("equal")
    axes.axis("off")
    xs = [state.x for state in diagram.states]
    ys = [state.y for state in diagram.states]
    axes.set_xlim(min(xs) - 1.6, max(xs) + 1.6)
    axes.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    states = {state.key: state for state in diagram.states}
    boxes = {state.key: _box(axes, state) for state in diagram.states}
    # The boxes' sizes are known once the text is laid out.
    figure.canvas.draw()
    for edge in diagram.edges:
        _arrow(axes, boxes, states, edge)
    axes.set_title(diagram.caption, fontsize=11, color=figures.INK, loc="left")
    path = figures.save(figure, directory / f"{diagram.name}.svg")
    plt.close(figure)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Draw every diagram into the directory given."""
    parser = argparse.ArgumentParser(prog="python -m docs._scripts.diagrams")
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    for diagram in DIAGRAMS:
        print(draw(diagram, args.directory))  # noqa: T201 - the files it wrote
    return 0


if __name__ == "__main__":
    sys.exit(main())
