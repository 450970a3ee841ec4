"""``completion bash|zsh``: a shell completion script for every command and option.

Generated from the parser itself by shtab (part of the ``cli`` extra), so it never falls
behind a new option. ``completion --help`` says where to install it.
"""

from __future__ import annotations

import argparse
import importlib.util
from typing import Final

from ._command import Subparsers, add_command
from ._errors import CliError
from ._output import Output

__all__ = ["SHELLS", "register"]

SHELLS: Final = ("bash", "zsh")


def register(subparsers: Subparsers) -> None:
    """Add ``completion``."""
    parser = add_command(
        subparsers,
        "completion",
        handler=_completion,
        help="print a shell completion script (bash or zsh)",
        description=(
            "Print a completion script for bash or zsh on stdout. Install it with:\n\n"
            "  aioinflux-legacyauth completion bash \\\n"
            "    > ~/.local/share/bash-completion/completions/aioinflux-legacyauth\n"
            '  aioinflux-legacyauth completion zsh > "${fpath[1]}/_aioinflux-legacyauth"\n\n'
            "or, for the current shell only: source <(aioinflux-legacyauth completion bash)."
        ),
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


async def _completion(args: argparse.Namespace, out: Output) -> int:
    if importlib.util.find_spec("shtab") is None:
        msg = "shell completion needs shtab: pip install 'aioinflux-legacyauth[cli]'"
        raise CliError(msg)
    # Imported here: shtab is needed by this command only, and the parser module
    # imports this one.
    import shtab  # noqa: PLC0415

    from ._app import build_parser  # noqa: PLC0415

    script: str = shtab.complete(build_parser(), shell=args.shell)
    out.stdout.file.write(script)  # our own script, written as it is
    out.stdout.file.flush()
    return 0
