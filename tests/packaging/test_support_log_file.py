"""The support log: one rotating file configured once, shared by the command line and the app."""

from __future__ import annotations

import io
import logging
import warnings

import pytest

from photocompare.logs import configure_file_logging
from photocompare.settings import LogSettings


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_photocompare_log_file", False)]


@pytest.fixture(autouse=True)
def _restore_root_logger():
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in _ours():
        root.removeHandler(handler)
        handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


def test_records_and_warnings_go_to_one_file_however_often_it_is_configured(tmp_path):
    path = configure_file_logging(tmp_path / "logs", level=logging.INFO)
    assert path == tmp_path / "logs" / "photocompare.log"
    assert not path.exists(), "the file is only created when something is logged"
    assert configure_file_logging(tmp_path / "logs") == path
    assert len(_ours()) == 1, "configured twice, one handler"
    logging.getLogger("photocompare.test").info("patient 17 imported")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("odd EXIF block", UserWarning, stacklevel=1)
    for handler in _ours():
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "INFO photocompare.test: patient 17 imported" in text
    assert "UserWarning: odd EXIF block" in text


def test_another_folder_moves_the_file_instead_of_logging_twice(tmp_path):
    first = configure_file_logging(tmp_path / "a", level=logging.INFO)
    second = configure_file_logging(tmp_path / "b")
    assert second == tmp_path / "b" / "photocompare.log" != first
    logging.getLogger("photocompare.test").warning("after the move")
    for handler in _ours():
        handler.flush()
    assert len(_ours()) == 1
    assert "after the move" in second.read_text(encoding="utf-8")
    assert not first.exists()


def test_a_host_that_configured_logging_keeps_it(tmp_path):
    root = logging.getLogger()
    foreign = logging.StreamHandler(io.StringIO())
    root.addHandler(foreign)
    assert configure_file_logging(tmp_path, defer_to_existing=True) is None
    assert _ours() == [] and not (tmp_path / "photocompare.log").exists()


def test_unusable_folder_falls_back_to_the_given_stream(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    stream = io.StringIO()
    assert configure_file_logging(blocker / "logs", fallback_stream=stream) is None
    logging.getLogger("photocompare.test").error("could not write the sheet")
    assert "ERROR photocompare.test: could not write the sheet" in stream.getvalue()
    assert blocker.read_text() == "a file where the log folder should be"


def test_rotation_limits_come_from_settings(tmp_path):
    limits = LogSettings(file_name="support.log", max_bytes=400, backup_count=2)
    path = configure_file_logging(tmp_path, level=logging.INFO, settings=limits)
    log = logging.getLogger("photocompare.test")
    for i in range(40):
        log.info("record %02d with enough text to fill the file", i)
    for handler in _ours():
        handler.flush()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["support.log", "support.log.1", "support.log.2"]
    assert path.stat().st_size <= 400
    assert "record 39" in path.read_text(encoding="utf-8")


def test_the_command_line_shares_the_file_the_app_configured(tmp_path):
    """The app configures the log first; the CLI's call (no folder) must not move it."""
    app_log = configure_file_logging(tmp_path / "app", level=logging.INFO)
    assert configure_file_logging(defer_to_existing=True) == app_log
    assert len(_ours()) == 1
