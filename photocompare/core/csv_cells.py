"""Text cells that a spreadsheet must never run as formulas, and their exact way back.

A CSV opened in a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``). Every CSV the
app writes passes its free-text cells through `neutralise`, which puts the usual ``'`` in front;
the app's own readers pass them through `restore`, so export -> import -> export is exact.

Only text cells are neutralised: a number in a numeric column (``-3`` hours, a negative
difference) is data that spreadsheets read as a number, never as a formula, and is written as is.

To stay exact for text that already begins with apostrophes before such a character (``'=x``
typed by someone), one more ``'`` is added: the rule is "apostrophes followed by a trigger get
one more apostrophe", which `restore` undoes by removing exactly one.
"""

from __future__ import annotations

import re

#: First characters a spreadsheet treats as the start of a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_NEEDS_PREFIX = re.compile(r"'*[=+\-@\t\r]")
_PREFIXED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """`text` as a CSV cell that no spreadsheet evaluates (a ``'`` in front when needed)."""
    return "'" + text if _NEEDS_PREFIX.match(text) else text


def restore(cell: str) -> str:
    """The text `neutralise` was given for `cell` (one ``'`` removed before a trigger)."""
    return cell[1:] if _PREFIXED.match(cell) else cell
