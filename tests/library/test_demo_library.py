"""The demo library is written through the library API: its patient, labelled photos and
course come back through the same API, and each photo falls in the period its date says."""

from __future__ import annotations

import datetime as dt

from photocompare import demo
from photocompare.library import api
from photocompare.library.db import Library


def test_demo_library_through_the_api_places_each_photo_in_its_period(tmp_path):
    today = dt.date(2026, 11, 30)
    demo.create_demo_library(tmp_path / "demo", today=today)
    with Library.open(tmp_path / "demo", create=False) as library:
        patient = api.require_patient(library, demo.DEMO_PATIENT_ID)
        assert patient.display_name == demo.DEMO_PATIENT_NAME
        photos = api.list_photos(library, patient.id)
        assert [p.original_name for p in photos] == [p.name for p in demo.DEMO_PHOTOS]
        assert {(p.view_label, p.expression_label) for p in photos} == {("frontal", "neutral")}
        # ground truth: the day offsets the demo was built with
        baseline_day = photos[0].taken_date
        offsets = [(p.taken_date - baseline_day).days for p in photos]
        assert offsets == [p.days_after_baseline for p in demo.DEMO_PHOTOS]
        report = api.load_course_report(library, patient.id)
        assert report is not None
        labels = [api.period_for(report, p.taken_date).label for p in photos]
        assert labels[0] == "baseline"
        assert [label.lower().startswith("cycle") for label in labels[1:]] == [True] * 4
        assert len(set(labels)) == 5  # one photo per period

        demo.create_demo_library(tmp_path / "demo", today=today)  # a second call adds nothing
        assert len(api.list_photos(library, patient.id)) == len(photos)
