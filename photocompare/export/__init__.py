"""What leaves the app: comparison sheets (PDF/PNG/print), de-identified images, DICOM.

Qt-free except `sheet_paint` (QtGui only: QPdfWriter/QPainter on the offscreen platform, so the
CLI renders without a display). The sheet: `sheet_data` (what it says) → `sheet_layout` (where
it goes, pure) → `sheet_paint` (drawing) → `pdf_textmap` (searchable spaces); `sheet` holds the
entry points.
"""
