"""The terminal pictures of the site, recorded from the real command line.

``python -m docs._scripts.pictures OUTDIR`` (the docs build runs it through ``hooks.py``)
runs each command below in this process, on a recorded terminal of 100 columns, against
the embedded emulator, and writes one SVG per picture:

- ``demo.svg``: ``aioinflux-legacyauth demo`` (the demo starts its own emulator);
- ``demo-progress.svg``: the rotation's progress bar, the last frame before it is erased;
- ``cli-list.svg``: ``list``, the table fitted to the terminal;
- ``cli-deactivate.svg``: ``deactivate``, the progress bar's last frame;
- ``cli-verify.svg``: ``provision`` then ``verify``, one line per check;
- ``cli-audit.svg``: ``audit`` of credentials with problems.

The commands, the terminal size, the seeds and the credentials are fixed, so two builds
draw the same pictures but for what the run itself measures: IDs (time-ordered, as the
server's), timings and the emulator's port.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import attrs

from aioinflux_legacyauth import Permission
from aioinflux_legacyauth.cli import main as cli_main
from aioinflux_legacyauth.emulator import FAST_HASH_COST, ThreadedEmulator

from . import terminal

PROGRAM: Final = "aioinflux-legacyauth"
#: The password the recorded commands read from stdin (never shown: nothing echoes it).
_PASSWORD: Final = "a-long-password-for-the-docs-1"  # noqa: S105 - the emulator's, for a picture
_DESCRIPTIONS: Final = {
    "grafana": "dashboards",
    "telegraf": "agent on host",
    "reporting": "nightly report",
    "ci-runner": "CI job",
}
#: The demo's size: enough to show every step, quick enough for every docs build.
_DEMO_ARGS: Final = ("demo", "--count", "40", "--seed", "16")


@attrs.frozen
class Picture:
    """One SVG: the screen it shows and the title of its window."""

    name: str
    title: str
    screen: terminal.Screen


def _title(argv: Sequence[str]) -> str:
    return " ".join((PROGRAM, *argv))


def _env(emulator: ThreadedEmulator, home: Path) -> dict[str, str | None]:
    """The variables that point the command line at ``emulator``, and at nothing of the
    machine's own (``home`` has no influx CLI config file)."""
    return {
        "HOME": str(home),
        "INFLUX_HOST": emulator.url,
        "INFLUX_TOKEN": emulator.token,
        "INFLUX_ORG": emulator.org,
        "INFLUX_ORG_ID": None,
        "INFLUX_ACTIVE_CONFIG": None,
        "INFLUX_CONFIGS_PATH": None,
    }


def _session(emulator: ThreadedEmulator, home: Path) -> Callable[..., terminal.Recording]:
    """``run(*argv, stdin="", status=0)``: a command against ``emulator``, as its operator;
    an exit status other than ``status`` fails the build."""
    env = _env(emulator, home)

    def run(*argv: str, stdin: str = "", status: int = 0) -> terminal.Recording:
        recording = terminal.record(cli_main, argv, env=env, stdin=stdin)
        if recording.status != status:
            msg = f"{_title(argv)} exited {recording.status}:\n{recording.text}"
            raise RuntimeError(msg)
        return recording

    return run


def _final(recording: terminal.Recording, rows: int = terminal.ROWS) -> terminal.Screen:
    return terminal.trimmed(terminal.screens(recording, rows=rows)[-1])


def _bar(recording: terminal.Recording, label: str) -> terminal.Screen:
    frame = terminal.last_progress_frame(terminal.screens(recording), label)
    return terminal.trimmed(frame)


def demo_pictures() -> list[Picture]:
    """The demo, whole, and its rotation's progress bar."""
    recording = terminal.record(cli_main, _DEMO_ARGS, env={"INFLUX_HOST": None})
    if recording.status != 0:
        msg = f"the demo exited {recording.status}:\n{recording.text}"
        raise RuntimeError(msg)
    title = _title(_DEMO_ARGS)
    # Tall enough that nothing scrolls off: the picture is the whole run.
    return [
        Picture("demo", title, _final(recording, rows=200)),
        Picture("demo-progress", title, _bar(recording, "rotating")),
    ]


@contextmanager
def _seeded_emulator() -> Iterator[ThreadedEmulator]:
    """The demo's names (org ``my-org``, buckets ``metrics`` and ``logs``) and a few
    credentials of the kinds the guides use."""
    with ThreadedEmulator(buckets=("metrics", "logs"), hash_cost=FAST_HASH_COST) as emulator:
        metrics, logs = emulator.buckets["metrics"], emulator.buckets["logs"]
        org = emulator.org_id
        kinds = {
            "grafana": [Permission.read_bucket(metrics, org)],
            "telegraf": [Permission.write_bucket(metrics, org)],
            "reporting": [Permission.read_bucket(metrics, org), Permission.read_bucket(logs, org)],
            "ci-runner": [Permission.write_bucket(logs, org)],
        }
        for number in range(1, 13):
            kind = list(kinds)[(number - 1) % len(kinds)]  # as the demo names them
            emulator.create_legacy_authorization(
                f"{kind}-{number:03}",
                kinds[kind],
                password=_PASSWORD,
                description=_DESCRIPTIONS[kind],
            )
        yield emulator


def cli_pictures() -> list[Picture]:
    """The command line's tables, progress bar and reports."""
    pictures = []
    with _seeded_emulator() as emulator, tempfile.TemporaryDirectory() as home:
        run = _session(emulator, Path(home))
        argv: tuple[str, ...] = ("list", "--status", "active")
        pictures.append(Picture("cli-list", _title(argv), _final(run(*argv))))

        argv = ("deactivate", "--username", "ci-runner-004", "--username", "ci-runner-008",
                "--username", "ci-runner-012", "--yes")  # fmt: skip
        recording = run(*argv)
        pictures.append(Picture("cli-deactivate", _title(argv), _bar(recording, "deactivate")))

        provision = ("provision", "--username", "dashboards", "--read-bucket", "metrics",
                     "--write-bucket", "logs=applogs", "--ask-password")  # fmt: skip
        run(*provision, stdin=_PASSWORD + "\n")
        argv = ("verify", "--username", "dashboards", "--read", "metrics", "--write", "applogs")
        pictures.append(Picture("cli-verify", _title(argv), _final(run(*argv, stdin=_PASSWORD))))

        # What an audit finds: the credentials deactivated above, and a permission on a
        # bucket deleted since (audit exits 1 when it finds anything).
        staging = emulator.create_bucket("staging")
        emulator.create_legacy_authorization(
            "staging-reader", [Permission.read_bucket(staging, emulator.org_id)]
        )
        emulator.delete_bucket(staging)
        argv = ("audit", "--all")
        pictures.append(Picture("cli-audit", _title(argv), _final(run(*argv, status=1))))

    return pictures


def write(pictures: Sequence[Picture], directory: Path) -> list[Path]:
    """Write each picture as ``<name>.svg`` in ``directory``; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for picture in pictures:
        path = directory / f"{picture.name}.svg"
        svg = terminal.to_svg(picture.screen, title=picture.title, unique_id=picture.name)
        path.write_text(svg, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Record every picture into the directory given."""
    parser = argparse.ArgumentParser(prog="python -m docs._scripts.pictures")
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    for path in write([*demo_pictures(), *cli_pictures()], args.directory):
        print(path)  # noqa: T201 - the script's output is the list of files it wrote
    return 0


if __name__ == "__main__":
    sys.exit(main())
