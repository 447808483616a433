"""Entry point of the frozen app: the GUI by default, the CLI when given a sub-command.

`PhotoCompare` (double-click) -> GUI; `photocompare --self-test`, `photocompare info ...`,
`photocompare --version` -> the same CLI as `python -m photocompare`.
"""

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


def main() -> int:
    from photocompare.cli import main as cli_main

    return cli_main(_argv_for_cli(sys.argv[1:]))


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    raise SystemExit(main())
