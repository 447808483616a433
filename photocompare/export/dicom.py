"""A photo as a DICOM VL Photographic Image (for a hospital PACS), written with pydicom.

SOP Class 1.2.840.10008.5.1.4.1.1.77.1.4, Modality XC; Patient, General Study, General Series,
General Equipment, General Acquisition, General Image, Image Pixel, Acquisition Context, VL
Image, VL Photographic Acquisition (EXIF-derived exposure, aperture, sensitivity, focal length)
and SOP Common modules. Pixels are the oriented photo (EXIF orientation applied) encoded either
as JPEG baseline (encapsulated, Pillow encoder, YBR_FULL_422) or as uncompressed RGB in explicit
VR little endian. The view label ("frontal", "left profile", "right oblique"...) gives a
ViewCodeSequence (SNOMED CT, CID 4010) and, for a side view, the Laterality. Never written:
camera/lens serial numbers, owner name, GPS, maker notes. De-identified: the patient name is
replaced by the ID, birth date and sex are empty, PatientIdentityRemoved=YES with the method.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from photocompare import APP_NAME, __version__
from photocompare.core.errors import ExportError
from photocompare.export.atomic import atomic_output
from photocompare.settings import ExportSettings, ImageLimits

VL_PHOTOGRAPHIC_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.77.1.4"
JPEG_QUALITY = ExportSettings().image_jpeg_quality
TRANSFER_SYNTAXES = ("jpeg", "explicit")
DEIDENTIFICATION_METHOD = "name, birth date, sex removed; no serials, location, maker notes"


@dataclass(frozen=True)
class ViewCode:
    value: str
    meaning: str
    laterality: str | None  # "L" | "R" | None


# SNOMED CT codes from DICOM CID 4010 (pydicom.sr.codedict, SCT scheme).
_FRONTAL = ("399033003", "frontal")
_LEFT_LATERAL = ("399173006", "left lateral")
_RIGHT_LATERAL = ("399198007", "right lateral")
_LEFT_OBLIQUE = ("399184004", "left oblique")
_RIGHT_OBLIQUE = ("399236003", "right oblique")
_FACE = ("89545001", "Face")
_SIDE_MODIFIER = {"L": ("7771000", "Left"), "R": ("24028007", "Right")}


def view_code(label: str | None) -> ViewCode | None:
    """Map a photo's free-text view label to a DICOM view code (None when not recognised)."""
    if not label:
        return None
    words = set(re.findall(r"[a-z0-9/]+", label.lower()))
    side = "L" if words & {"left", "l"} else "R" if words & {"right", "r"} else None
    if words & {"profile", "lateral", "side", "90"}:
        kind = "lateral"
    elif words & {"oblique", "45", "3/4", "three", "quarter"}:
        kind = "oblique"
    elif words & {"frontal", "front", "anterior", "face", "ap", "straight"}:
        kind = "frontal"
    else:
        return None
    if kind == "frontal":
        return ViewCode(*_FRONTAL, laterality=None)
    if side is None:
        return None
    code = {
        ("lateral", "L"): _LEFT_LATERAL,
        ("lateral", "R"): _RIGHT_LATERAL,
        ("oblique", "L"): _LEFT_OBLIQUE,
        ("oblique", "R"): _RIGHT_OBLIQUE,
    }[(kind, side)]
    return ViewCode(*code, laterality=side)


def _code_item(value: str, meaning: str, scheme: str = "SCT"):
    from pydicom.dataset import Dataset

    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def _dicom_date(value: date | datetime) -> str:
    return value.strftime("%Y%m%d")


def _dicom_time(value: datetime) -> str:
    return value.strftime("%H%M%S")


def _dicom_datetime(value: datetime) -> str:
    text = value.strftime("%Y%m%d%H%M%S")
    if value.tzinfo is not None and value.utcoffset() is not None:
        text += value.strftime("%z")
    return text


def _ds(value: float) -> str:
    """A DS value within 16 characters."""
    text = f"{value:.6g}"
    return text if len(text) <= 16 else f"{value:.4e}"


def _exif_number(text: str | None) -> float | None:
    if not text:
        return None
    match = re.match(r"^\s*(-?\d+(?:\.\d+)?)(?:\s*/\s*(\d+(?:\.\d+)?))?", text)
    if not match:
        return None
    num = float(match.group(1))
    if match.group(2):
        den = float(match.group(2))
        if den == 0:
            return None
        num /= den
    return num


def write_dicom(
    photo: str | Path,
    output: str | Path,
    *,
    patient_id: str | None = None,
    patient_name: str | None = None,
    birth_date: date | None = None,
    sex: str | None = None,
    deidentify: bool = False,
    view_label: str | None = None,
    transfer_syntax: str = "jpeg",
    study_uid: str | None = None,
    series_uid: str | None = None,
    study_description: str = "Before/after photographs",
    series_description: str | None = None,
    instance_number: int = 1,
    with_view_code: bool = False,
    limits: ImageLimits | None = None,
    now: datetime | None = None,
) -> Path:
    """Write `photo` as a VL Photographic Image to `output` (complete or not at all)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import (
        PYDICOM_IMPLEMENTATION_UID,
        ExplicitVRLittleEndian,
        JPEGBaseline8Bit,
        generate_uid,
    )

    from photocompare.core.exif import read_exif
    from photocompare.core.images import load_rgb, read_info

    if transfer_syntax not in TRANSFER_SYNTAXES:
        raise ExportError(f"unknown transfer syntax {transfer_syntax!r} (use jpeg or explicit)")
    photo = Path(photo)
    limits = limits or ImageLimits()
    info = read_info(photo, limits)
    loaded = load_rgb(photo, limits=limits)
    rgb = np.ascontiguousarray(loaded.rgb)
    exif = read_exif(photo, limits.max_metadata_bytes)
    now = now or datetime.now(UTC).astimezone()
    taken = exif.taken_at or info.taken_at
    pid = (patient_id or "").strip()

    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: patient and clinic names in any script
    ds.SOPClassUID = VL_PHOTOGRAPHIC_IMAGE_STORAGE
    ds.SOPInstanceUID = generate_uid()
    ds.InstanceCreationDate = _dicom_date(now)
    ds.InstanceCreationTime = _dicom_time(now)

    # Patient
    if deidentify:
        ds.PatientName = f"{pid}^" if pid else ""  # the ID as the family-name component
        ds.PatientBirthDate = ""
        ds.PatientSex = ""
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = DEIDENTIFICATION_METHOD[:64]
        ds.DeidentificationMethodCodeSequence = [
            _code_item("113100", "Basic Application Confidentiality Profile", "DCM"),
            _code_item(
                "113106", "Retain Longitudinal Temporal Information Full Dates Option", "DCM"
            ),
        ]
    else:
        ds.PatientName = _person_name(patient_name) if patient_name else ""
        ds.PatientBirthDate = birth_date.strftime("%Y%m%d") if birth_date else ""
        ds.PatientSex = sex if sex in ("M", "F", "O") else ""
        ds.PatientIdentityRemoved = "NO"
    ds.PatientID = pid

    # General Study
    study_when = taken or now
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.StudyDate = _dicom_date(study_when)
    ds.StudyTime = _dicom_time(study_when) if isinstance(study_when, datetime) else ""
    ds.ReferringPhysicianName = ""
    ds.StudyID = _dicom_date(study_when)  # a short human-readable study identifier
    ds.AccessionNumber = ""
    ds.StudyDescription = study_description[:64]

    # General Series
    view = view_code(view_label)
    ds.Modality = "XC"
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.SeriesNumber = 1
    ds.SeriesDescription = (series_description or (view_label or "Photographs"))[:64]
    # Type 2C: present (empty for a frontal or unlabelled view) so validators can evaluate it.
    ds.Laterality = view.laterality if view is not None and view.laterality else ""

    # General Equipment (make and model are not identifying; serial numbers are never copied)
    ds.Manufacturer = (exif.camera_make or info.camera_make or "")[:64]
    if exif.camera_model or info.camera_model:
        ds.ManufacturerModelName = (exif.camera_model or info.camera_model)[:64]
    ds.SoftwareVersions = f"{APP_NAME} {__version__}"

    # General Image + VL Image
    ds.InstanceNumber = instance_number
    ds.PatientOrientation = ""
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    content_when = taken or now
    ds.ContentDate = _dicom_date(content_when)
    ds.ContentTime = _dicom_time(content_when)
    if taken is not None:
        ds.AcquisitionDateTime = _dicom_datetime(taken)
        ds.AcquisitionDate = _dicom_date(taken)
        ds.AcquisitionTime = _dicom_time(taken)
    else:
        # ORIGINAL images need an acquisition date-time; without EXIF the file date is the best.
        ds.AcquisitionDateTime = _dicom_datetime(now)
    # The view: the face, with a Left/Right modifier for a side view (General Anatomy macro of
    # the VL Image module), and the label in words. ViewCodeSequence is not part of this IOD
    # (dciodvfy flags it as a Standard Extended SOP Class), so it is written only on request.
    region = _code_item(*_FACE)
    if view is not None and view.laterality:
        region.AnatomicRegionModifierSequence = [_code_item(*_SIDE_MODIFIER[view.laterality])]
    ds.AnatomicRegionSequence = [region]
    if view is not None and with_view_code:
        ds.ViewCodeSequence = [_code_item(view.value, view.meaning)]
    if view_label:
        ds.ImageComments = f"View: {view_label}"[:10240]
    ds.AcquisitionContextSequence = []
    _exif_acquisition(ds, exif)

    # Image Pixel
    rows, cols = rgb.shape[:2]
    ds.SamplesPerPixel = 3
    ds.Rows = rows
    ds.Columns = cols
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PlanarConfiguration = 0
    source_lossy = info.format.upper() in ("JPEG", "MPO", "HEIF", "HEIC", "AVIF", "WEBP")
    meta = FileMetaDataset()
    if transfer_syntax == "jpeg":
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(rgb, "RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, subsampling=2)
        frame = buffer.getvalue()
        ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.PixelData = encapsulate([frame])
        ds["PixelData"].VR = "OB"
        ds.LossyImageCompression = "01"
        ds.LossyImageCompressionRatio = _ds(rgb.nbytes / len(frame))
        ds.LossyImageCompressionMethod = "ISO_10918_1"
        meta.TransferSyntaxUID = JPEGBaseline8Bit
    else:
        ds.PhotometricInterpretation = "RGB"
        ds.PixelData = rgb.tobytes()
        ds["PixelData"].VR = "OB"
        # The pixels are lossless here, but a JPEG/HEIF original was already lossy.
        ds.LossyImageCompression = "01" if source_lossy else "00"
        if info.format.upper() in ("JPEG", "MPO"):
            ds.LossyImageCompressionMethod = "ISO_10918_1"
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = f"PHOTOCMP_{__version__}"[:16]
    ds.file_meta = meta

    target = Path(output)
    with atomic_output(target) as tmp:
        try:
            ds.save_as(tmp, enforce_file_format=True)
        except (ValueError, TypeError) as exc:  # an attribute pydicom refuses to encode
            raise ExportError(f"{target.name}: cannot encode DICOM ({exc})") from exc
    return target


def _person_name(name: str) -> str:
    """'Jane Q. Example' → 'Example^Jane Q.' (family^given), as DICOM PN expects."""
    name = name.strip().replace("^", " ")
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return f"{family}^{given}"
    parts = name.split()
    if len(parts) < 2:
        return name
    return f"{parts[-1]}^{' '.join(parts[:-1])}"


def _exif_acquisition(ds, exif) -> None:
    """VL Photographic Acquisition attributes from EXIF, only those known and plausible."""
    if exif.exposure_time_s:
        ds.ExposureTimeInSeconds = _ds(exif.exposure_time_s)
    if exif.f_number:
        ds.FNumber = _ds(exif.f_number)
    if exif.iso and 0 < exif.iso < 10_000_000:
        ds.PhotographicSensitivity = str(int(exif.iso))
        ds.SensitivityType = 0  # unknown: EXIF ISOSpeedRatings does not say which kind
    focal = _exif_number(exif.fields.get("FocalLength"))
    if focal and 0 < focal < 10_000:
        ds.FocalLength = _ds(focal)
    bias = _exif_number(exif.fields.get("ExposureBiasValue"))
    if bias is not None and abs(bias) < 100:
        ds.ExposureBiasValue = _ds(bias)
    lens = exif.fields.get("LensModel")
    if lens:
        ds.LensModel = lens[:1024]
