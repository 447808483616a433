"""The Qt-free core: image I/O and EXIF, face analysis, checks, alignment, migraine course.

Nothing under `photocompare.core` may import PySide6 (tests/test_architecture.py proves it):
the CLI, the exporters and the UI all stand on this layer.
"""
