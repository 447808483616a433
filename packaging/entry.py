"""Entry point of the frozen app: the GUI by default, the CLI when given a sub-command.

`PhotoCompare` (double-click) -> GUI; `photocompare --self-test`, `photocompare info ...`,
`photocompare --version` -> the same CLI as `python -m photocompare`.
"""

import os
import sys


def _argv_for_cli(args: list[str]) -> list[str]:
    from photocompare.cli import build_parser

    parser = build_parser()
    commands: set[str] = set()
    for action in parser._actions:  # the sub-command names argparse knows
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict):
            commands.update(choices)
    cli_options = {"--self-test", "--version", "-h", "--help"}
    if args and (args[0] in commands or args[0] in cli_options):
        return args
    return ["gui", *args]


NO_DISPLAY = (
    "photocompare: no display (DISPLAY / WAYLAND_DISPLAY are not set), so the window cannot "
    "open; run it on the desktop, use a command (photocompare --help), or set "
    "QT_QPA_PLATFORM=offscreen to start it invisibly"
)


def main() -> int:
    from photocompare.cli import main as cli_main

    argv = _argv_for_cli(sys.argv[1:])
    if argv[:1] == ["gui"] and os.environ.get("PHOTOCOMPARE_QPA_FALLBACK") and "-h" not in argv \
            and "--help" not in argv:
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    return cli_main(argv)


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    raise SystemExit(main())
