"""Moved to photocompare.core.labels (the core computes, the UI shows)."""

from photocompare.core.labels import *  # noqa: F403
