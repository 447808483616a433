"""The thin Qt (PySide6) layer: one file per view; `workers.py` runs long work off the GUI thread."""
