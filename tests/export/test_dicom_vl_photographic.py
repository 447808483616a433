"""DICOM VL Photographic Image export: read back with pydicom, validate with dciodvfy."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit

from photocompare.core.errors import ExportError, UnreadablePhoto
from photocompare.core.exif import read_exif
from photocompare.core.images import load_rgb
from photocompare.export.dicom import VL_PHOTOGRAPHIC_IMAGE_STORAGE, view_code, write_dicom
from tests.export.conftest import exif_sample

SERIAL_PHOTO = ("jpg", "tests", "87_OSError.jpg")  # BodySerialNumber -1000f46 and GPS
GPS_PHOTO = ("jpg", "gps", "DSCN0010.jpg")


def _header_bytes(path) -> bytes:
    """Everything before the pixel data (raw pixels can hold any byte sequence by chance)."""
    data = path.read_bytes()
    return data[: data.rfind(b"\xe0\x7f\x10\x00")]


def _dciodvfy(path) -> list[str]:
    """dciodvfy's error lines (warnings are allowed); skips when the tool is not installed."""
    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.skip("dciodvfy (dicom3tools) is not installed")
    run = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=60)
    lines = (run.stdout + run.stderr).splitlines()
    assert any("VLPhotographicImage" in line for line in lines), lines
    return [line for line in lines if line.startswith("Error")]


def test_identified_jpeg_dicom_has_the_required_attributes(tmp_path):
    photo = exif_sample(SERIAL_PHOTO)
    out = write_dicom(
        photo,
        tmp_path / "photo.dcm",
        patient_id="0042",
        patient_name="Jane Example",
        view_label="left-lateral",
    )
    ds = pydicom.dcmread(out)
    assert ds.file_meta.TransferSyntaxUID == JPEGBaseline8Bit
    assert ds.SOPClassUID == VL_PHOTOGRAPHIC_IMAGE_STORAGE == "1.2.840.10008.5.1.4.1.1.77.1.4"
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.Modality == "XC"
    assert str(ds.PatientName) == "Example^Jane" and ds.PatientID == "0042"
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        assert pydicom.uid.UID(ds[keyword].value).is_valid
    assert ds.PatientIdentityRemoved == "NO"
    exif = read_exif(photo)
    assert exif.taken_at is not None
    assert ds.AcquisitionDateTime.startswith(exif.taken_at.strftime("%Y%m%d%H%M%S"))
    assert ds.StudyDate == exif.taken_at.strftime("%Y%m%d")
    assert ds.Manufacturer == exif.camera_make
    assert ds.PhotometricInterpretation == "YBR_FULL_422"
    assert ds.LossyImageCompression == "01"
    assert ds.Laterality == "L"
    assert ds.AnatomicRegionSequence[0].CodeValue == "89545001"  # face
    assert ds.AnatomicRegionSequence[0].AnatomicRegionModifierSequence[0].CodeMeaning == "Left"
    expected = load_rgb(photo).rgb
    assert (ds.Rows, ds.Columns) == expected.shape[:2]
    pixels = ds.pixel_array  # decodes the JPEG frame (converted to RGB by pydicom)
    assert pixels.shape == expected.shape
    assert np.abs(pixels.astype(int) - expected.astype(int)).mean() < 6
    data = _header_bytes(out)
    assert b"-1000f46" not in data and b"GPS" not in data  # no serials, no position
    assert _dciodvfy(out) == []


def test_exif_acquisition_attributes_are_copied_where_known(tmp_path):
    photo = exif_sample(GPS_PHOTO)
    exif = read_exif(photo)
    ds = pydicom.dcmread(write_dicom(photo, tmp_path / "gps.dcm", patient_id="7"))
    assert float(ds.ExposureTimeInSeconds) == pytest.approx(exif.exposure_time_s, rel=1e-4)
    assert float(ds.FNumber) == pytest.approx(exif.f_number, rel=1e-4)
    assert int(ds.PhotographicSensitivity) == exif.iso
    assert ds.ManufacturerModelName == exif.camera_model


def test_deidentified_uncompressed_dicom_keeps_exact_pixels_and_no_name(tmp_path):
    photo = exif_sample(GPS_PHOTO)
    out = write_dicom(
        photo,
        tmp_path / "deid.dcm",
        patient_id="0042",
        patient_name="Jane Example",
        deidentify=True,
        transfer_syntax="explicit",
        view_label="frontal",
    )
    ds = pydicom.dcmread(out)
    assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert ds.PatientIdentityRemoved == "YES"
    assert ds.DeidentificationMethod
    assert [c.CodeValue for c in ds.DeidentificationMethodCodeSequence] == ["113100", "113106"]
    assert "Jane" not in str(ds.PatientName) and ds.PatientID == "0042"
    assert ds.PatientBirthDate == "" and ds.PatientSex == ""
    assert ds.PhotometricInterpretation == "RGB"
    np.testing.assert_array_equal(ds.pixel_array, load_rgb(photo).rgb)
    data = _header_bytes(out)
    assert b"Jane" not in data and b"Example" not in data and b"GPS" not in data
    assert _dciodvfy(out) == []


def test_orientation_is_applied_to_the_pixels(bad_images, tmp_path):
    photo = bad_images / "hopper_orientation_6.jpg"
    if not photo.exists():
        pytest.skip("test data missing")
    ds = pydicom.dcmread(write_dicom(photo, tmp_path / "o.dcm", transfer_syntax="explicit"))
    expected = load_rgb(photo).rgb
    assert (ds.Rows, ds.Columns) == expected.shape[:2]
    np.testing.assert_array_equal(ds.pixel_array, expected)


def test_unreadable_photo_leaves_no_file(bad_images, tmp_path):
    out = tmp_path / "bad.dcm"
    with pytest.raises(UnreadablePhoto):
        write_dicom(bad_images / "truncated_jpeg.jpg", out, patient_id="1")
    assert list(tmp_path.iterdir()) == []


def test_unknown_transfer_syntax_is_refused(tmp_path):
    with pytest.raises(ExportError):
        write_dicom(exif_sample(GPS_PHOTO), tmp_path / "x.dcm", transfer_syntax="jp2")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("label", "value", "laterality"),
    [
        ("frontal", "399033003", None),
        ("left-lateral", "399173006", "L"),
        ("Right profile", "399198007", "R"),
        ("left-oblique", "399184004", "L"),
        ("right 45", "399236003", "R"),
    ],
)
def test_view_labels_map_to_snomed_view_codes(label, value, laterality):
    code = view_code(label)
    assert code is not None and code.value == value and code.laterality == laterality


def test_unrecognised_view_label_gives_no_code():
    assert view_code("close-up of the brow") is None
    assert view_code(None) is None
