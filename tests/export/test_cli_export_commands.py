"""`photocompare sheet | dicom | export-pair`: exit codes, one-line errors, files complete or absent."""

from __future__ import annotations

import datetime as dt

import pydicom
import pytest

from photocompare.cli import main

pypdf = pytest.importorskip("pypdf")


def _text(path) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def diary_csv(tmp_path_factory):
    from tests.export.conftest import make_diary

    days, treatments = make_diary()
    path = tmp_path_factory.mktemp("diary") / "diary.csv"
    lines = ["date,headache,migraine,hours,intensity,medication,medication_class,note"]
    for d in days:
        lines.append(
            f"{d.date},{'yes' if d.headache else 'no'},{'yes' if d.migraine else 'no'},,,"
            f"{'yes' if d.medication else 'no'},{d.medication_class or ''},"
        )
    path.write_text("\n".join(lines) + "\n")
    return path, treatments


def test_sheet_from_files_with_diary_writes_a_complete_pdf(face_pair, diary_csv, tmp_path, capsys):
    csv, treatments = diary_csv
    out = tmp_path / "sheet.pdf"
    argv = ["sheet", str(face_pair[0]), str(face_pair[1]), "-o", str(out), "--diary", str(csv)]
    for t in treatments:
        argv += ["--treatment", t.isoformat()]
    argv += [
        "--patient-id",
        "0042",
        "--patient-name",
        "Jane Example",
        "--paper",
        "letter",
        "--notes",
        "Reviewed with the patient.",
        "--clinician",
        "Dr A. Clinician",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == str(out)
    text = _text(out)
    assert "Jane Example (ID 0042)" in text
    assert "4 (−71.4 %)" in text  # cycle 2 headache days / 28 and change (one formatter)
    assert "Reviewed with the patient." in text
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.pdf"]


def test_sheet_png_deidentified_without_diary(face_pair, tmp_path, capsys):
    out = tmp_path / "sheet.png"
    code = main(
        [
            "sheet",
            str(face_pair[0]),
            str(face_pair[1]),
            "-o",
            str(out),
            "--dpi",
            "60",
            "--patient-id",
            "0042",
            "--patient-name",
            "Jane Example",
            "--deidentify",
        ]
    )
    assert code == 0
    from PIL import Image

    with Image.open(out) as img:
        assert img.size == (round(210 / 25.4 * 60), round(297 / 25.4 * 60))
        assert "exif" not in img.info


def test_sheet_with_a_missing_photo_exits_2_with_one_line_and_no_file(face_pair, tmp_path, capsys):
    out = tmp_path / "sheet.pdf"
    code = main(["sheet", str(face_pair[0]), str(tmp_path / "nope.jpg"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "nope.jpg" in err
    assert list(tmp_path.iterdir()) == []


def test_sheet_with_a_corrupt_photo_exits_2(face_pair, bad_images, tmp_path, capsys):
    code = main(
        [
            "sheet",
            str(face_pair[0]),
            str(bad_images / "truncated_jpeg.jpg"),
            "-o",
            str(tmp_path / "s.pdf"),
        ]
    )
    assert code == 2
    assert "truncated_jpeg.jpg" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "extra",
    [
        ["-o", "sheet.txt"],
        ["-o", "sheet.pdf", "--treatment", "2026-01-10"],
        ["-o", "sheet.pdf", "--paper", "a3"],
        ["-o", "sheet.pdf", "--treatment", "10/01/2026"],
    ],
)
def test_sheet_bad_arguments_exit_2(face_pair, tmp_path, monkeypatch, capsys, extra):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        code = main(["sheet", str(face_pair[0]), str(face_pair[1]), *extra])
        raise SystemExit(code)
    assert exited.value.code == 2
    assert list(tmp_path.iterdir()) == []


def test_sheet_diary_with_bad_rows_exits_2(face_pair, tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text("date,headache,migraine\n2026-01-01,yes,no\nnot-a-date,yes,no\n")
    code = main(
        [
            "sheet",
            str(face_pair[0]),
            str(face_pair[1]),
            "-o",
            str(tmp_path / "s.pdf"),
            "--diary",
            str(csv),
            "--treatment",
            "2026-01-10",
        ]
    )
    assert code == 2
    assert "line 3" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_dicom_command_writes_a_deidentified_file(face_pair, tmp_path, capsys):
    out = tmp_path / "after.dcm"
    code = main(
        [
            "dicom",
            str(face_pair[1]),
            "-o",
            str(out),
            "--patient-id",
            "0042",
            "--patient-name",
            "Jane Example",
            "--deidentify",
            "--view",
            "frontal",
        ]
    )
    assert code == 0
    ds = pydicom.dcmread(out)
    assert ds.PatientIdentityRemoved == "YES" and "Jane" not in str(ds.PatientName)
    assert ds.AcquisitionDateTime.startswith("20260412100300")
    assert ds.Modality == "XC"


def test_dicom_command_puts_photos_of_one_visit_in_one_study(face_pair, tmp_path, capsys):
    study = "1.2.826.0.1.3680043.8.498.1234567890"
    for i, photo in enumerate(face_pair):
        argv = ["dicom", str(photo), "-o", str(tmp_path / f"{i}.dcm"), "--patient-id", "7"]
        assert main([*argv, "--study-uid", study]) == 0
    a, b = (pydicom.dcmread(tmp_path / f"{i}.dcm") for i in range(2))
    assert a.StudyInstanceUID == b.StudyInstanceUID == study
    assert a.SOPInstanceUID != b.SOPInstanceUID
    bad = ["dicom", str(face_pair[0]), "-o", str(tmp_path / "x.dcm"), "--study-uid", "not a uid"]
    assert main(bad) == 2
    assert not (tmp_path / "x.dcm").exists()


def test_dicom_command_with_unreadable_photo_exits_2(bad_images, tmp_path, capsys):
    code = main(["dicom", str(bad_images / "truncated_jpeg.jpg"), "-o", str(tmp_path / "x.dcm")])
    assert code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_export_pair_command_strips_metadata(face_pair, tmp_path, capsys):
    from photocompare.export.deidentify import identifying_metadata

    code = main(
        [
            "export-pair",
            str(face_pair[0]),
            str(face_pair[1]),
            "-o",
            str(tmp_path / "pair.jpg"),
            "--side-by-side",
        ]
    )
    assert code == 0
    assert identifying_metadata(tmp_path / "pair.jpg") == []
    assert b"SN-4417" not in (tmp_path / "pair.jpg").read_bytes()


def _library_with_patient(tmp_path, face_pair):
    """A library holding patient 0042 with the pair labelled 'frontal' (returns photo ids)."""
    import sqlalchemy as sa

    from photocompare.library.db import Library
    from photocompare.library.importer import import_paths
    from photocompare.library.models import Photo

    folder = tmp_path / "lib"
    with Library.open(folder) as library:
        summary = import_paths(library, list(face_pair), "0042", display_name="Jane Example")
        assert len(summary.imported) == 2, summary.rejected
        ids = [pid for _path, pid in summary.imported]
        with library.session() as session:
            for photo in session.scalars(sa.select(Photo).where(Photo.id.in_(ids))):
                photo.view_label = "frontal"
    return folder, ids


def test_sheet_for_a_library_patient_needs_consent_then_writes_one_page_per_view(
    face_pair, tmp_path, capsys
):
    from photocompare.library import audit, consent
    from photocompare.library.db import Library

    folder, ids = _library_with_patient(tmp_path, face_pair)
    out = tmp_path / "patient.pdf"
    argv = ["sheet", "--patient", "0042", "--library", str(folder), "-o", str(out)]
    assert main(argv) == 2  # no consent recorded yet: refused, nothing written
    assert "consent" in capsys.readouterr().err
    assert not out.exists()
    with Library.open(folder) as library:
        consent.record_consent(library, ids, [consent.CLINICAL_RECORD])
    assert main([*argv, "--deidentify"]) == 0
    text = _text(out)
    assert "ID 0042" in text and "Jane" not in text
    assert "View: frontal" in text and "Page 1 of 1" in text
    assert "No diary data for these periods" in text
    with Library.open(folder) as library:
        actions = [e.action for e in audit.entries(library)]
    assert audit.SHEET_EXPORTED in actions


def test_sheet_for_an_unknown_patient_exits_2(tmp_path, capsys):
    # an existing library (a missing one is "no library at ...", tests/cli/test_cli_bad_input_one_line.py)
    assert main(["patient", "add", "somebody", "--library", str(tmp_path / "lib")]) == 0
    code = main(
        [
            "sheet",
            "--patient",
            "nobody",
            "--library",
            str(tmp_path / "lib"),
            "-o",
            str(tmp_path / "x.pdf"),
        ]
    )
    assert code == 2
    assert "nobody" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_diary_dates_are_parsed_as_iso(diary_csv):
    _csv, treatments = diary_csv
    assert treatments == [dt.date(2026, 1, 10), dt.date(2026, 2, 7)]
