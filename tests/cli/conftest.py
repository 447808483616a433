"""Fixtures shared by the command-line tests (a module may override them with its own)."""

from __future__ import annotations

import subprocess

import pytest


class InProcess:
    """`photocompare ARGS` through cli.main in this process (same code path, no start-up cost);
    the subprocess runs elsewhere prove what reaches a real terminal."""

    def __init__(self, capsys):
        self.capsys = capsys

    def __call__(self, *args) -> subprocess.CompletedProcess:
        from photocompare.cli import main

        self.capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            code = exc.code
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err, err
        return subprocess.CompletedProcess(args, code, out, err)


@pytest.fixture
def cli(capsys):
    return InProcess(capsys)
