"""What leaves the app: comparison sheets (PDF/PNG/print), de-identified images, DICOM.

Rendering uses QtGui only (QPdfWriter/QPainter on the offscreen platform), so the CLI renders
without a display; nothing here imports QtWidgets at module level.
"""
