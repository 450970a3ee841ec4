"""What the diagrams and the plots share: matplotlib set up to write the same SVG bytes
for the same input (no timestamp, fixed IDs, glyphs as paths), in the site's colours."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The site's primary colour (material's indigo) and the contenders' colours.
INDIGO: Final = "#3f51b5"
GREY: Final = "#757575"
ORANGE: Final = "#ef6c00"
RED: Final = "#c62828"
GREEN: Final = "#2e7d32"
INK: Final = "#212121"
PAPER: Final = "#ffffff"


def pyplot_for_svg() -> None:
    """Make matplotlib draw off screen and write reproducible SVG."""
    import matplotlib as mpl  # noqa: PLC0415 - a docs-only dependency

    mpl.use("svg")
    mpl.rcParams.update(
        {
            # IDs in the SVG from this salt, not from a random one: no churn between builds.
            "svg.hashsalt": "aioinflux-legacyauth-docs",
            # Glyphs as paths: the picture does not depend on the reader's fonts.
            "svg.fonttype": "path",
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "axes.edgecolor": GREY,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "figure.facecolor": PAPER,
        }
    )


def save(figure: Figure, path: Path) -> Path:
    """Write ``figure`` to ``path`` as SVG without the date or the creator's version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(
        path, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
    )
    return path
