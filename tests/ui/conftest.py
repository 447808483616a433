"""Fixtures shared by the desktop-app tests (a module may override them with its own)."""

from __future__ import annotations

import pytest

from photocompare.library.db import Library


@pytest.fixture(scope="module")
def analysis():
    """One face-analysis service per test module: the model is heavy to load."""
    from photocompare.core.analysis_service import AnalysisService

    service = AnalysisService()
    yield service
    service.close()


@pytest.fixture
def library(tmp_path):
    """An empty library in the test's own folder."""
    lib = Library.open(tmp_path / "lib")
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory):
    """The demo library (patient DEMO-001), made once per test module."""
    from photocompare.demo import create_demo_library

    target = tmp_path_factory.mktemp("demo_master")
    create_demo_library(target)
    return target
