"""`--self-test`: load the face model, analyse a bundled face, render a sheet (issue 9)."""

from __future__ import annotations


def run_self_test() -> int:
    print("self-test: not implemented yet")
    return 1
