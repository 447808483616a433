"""A made-up but realistic migraine course for the demo patient (no real person's data).

Baseline about 20 headache days per 28 days (about 12 of them migraine days), improving over
four PREEMPT cycles of 12 weeks to about 7; acute medication on most headache days (triptans
on migraine days), a few unrecorded days, PREEMPT sessions with lot numbers (one with
follow-the-pain sites), MIDAS and HIT-6 before and after, and a note. Everything is stored
through the course repository, so the app shows real, core-computed figures at first start.

The dates follow the patient's photos when there are some: the first treatment is on the day
of the earliest photo (taken that morning before injecting, so it belongs to the baseline), and
later photos land in cycles. The note on cycle 1 records the brow ptosis the demo's cycle-1
photo shows, and reaches the comparison sheet.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from photocompare.core import preempt
from photocompare.core.course_figures import DiaryDay, MedicationClass, Treatment
from photocompare.core.questionnaires import hit6, midas
from photocompare.library import course_records, course_repo

CYCLE_DAYS = 84  # PREEMPT: every 12 weeks
# headache days and migraine days per 28 days: baseline, then each cycle
RATES = ((20, 12), (14, 8), (10, 5), (8, 3), (7, 3))
DIARY_DAYS_BEFORE_FIRST_TREATMENT = 91  # > 3 months, so ICHD-3's duration can be checked
LOTS = ("C6712C3", "C6948C4", "C7105C3", "C7390C4")
PRODUCT = "onabotulinumtoxinA (Botox)"
INJECTOR = "Dr. A. Demo"
SEED = 20240117


def _patient_id(library: Any, patient: Any) -> int:
    if hasattr(patient, "id"):
        return int(patient.id)
    with library.session() as session:
        return course_records.resolve_patient_id(session, patient)


def _photo_dates(library: Any, patient_id: int) -> list[dt.date]:
    from photocompare.library import api

    return sorted(p.taken_date for p in api.list_photos(library, patient_id) if p.taken_date)


def demo_treatment_dates(photo_dates: list[dt.date], today: dt.date) -> list[dt.date]:
    """Four treatments 12 weeks apart: from the earliest photo's day, or ending near today."""
    if photo_dates:
        first = photo_dates[0]
    else:
        first = today - dt.timedelta(days=3 * CYCLE_DAYS + 40)
    dates = [first + dt.timedelta(days=i * CYCLE_DAYS) for i in range(4)]
    return [d for d in dates if d <= today] or [first]


def _block_days(rng: random.Random, start: dt.date, length: int, headache: int,
                migraine: int) -> dict[dt.date, tuple[bool, bool]]:
    """`headache` headache days (of them `migraine` migraine days) in `length` days, spread."""
    headache = round(headache * length / 28)
    migraine = min(headache, round(migraine * length / 28))
    days = [start + dt.timedelta(days=i) for i in range(length)]
    chosen = set(rng.sample(days, min(headache, length)))
    mig = set(rng.sample(sorted(chosen), migraine)) if migraine else set()
    return {d: (d in chosen, d in mig) for d in days}


def demo_diary(treatments: list[dt.date], end: dt.date, seed: int = SEED) -> list[DiaryDay]:
    """The diary from 13 weeks before the first treatment to `end` (inclusive)."""
    rng = random.Random(seed)
    start = treatments[0] - dt.timedelta(days=DIARY_DAYS_BEFORE_FIRST_TREATMENT)
    bounds = [start, *treatments, end + dt.timedelta(days=1)]
    marks: dict[dt.date, tuple[bool, bool]] = {}
    for i in range(len(bounds) - 1):
        rate = RATES[min(i, len(RATES) - 1)]
        block_start = bounds[i]
        while block_start < bounds[i + 1]:
            length = min(28, (bounds[i + 1] - block_start).days)
            marks.update(_block_days(rng, block_start, length, *rate))
            block_start += dt.timedelta(days=length)
    entries = []
    for day in sorted(marks):
        if rng.random() < 0.04 and day not in treatments:  # a forgotten day now and then
            continue
        headache, migraine = marks[day]
        if not headache:
            entries.append(DiaryDay(day, False))
            continue
        intensity = rng.randint(6, 9) if migraine else rng.randint(2, 5)
        hours = float(rng.choice((4, 6, 8, 12, 24) if migraine else (1, 2, 3, 4)))
        medication = migraine or rng.random() < 0.45
        cls = None
        if medication:
            cls = MedicationClass.TRIPTAN if migraine else MedicationClass.SIMPLE_ANALGESIC
        entries.append(DiaryDay(day, True, migraine, hours, intensity, medication, cls,
                                "woke up with it" if migraine and rng.random() < 0.1 else ""))
    return entries


def add_demo_course(library: Any, patient: Any, *, today: dt.date | None = None,
                    user: str = "demo") -> dict[str, int]:
    """Store the demo diary, sessions, questionnaires and a note for `patient` (id, external
    ID or a row with `.id`). Returns counts of what was stored."""
    today = today or dt.date.today()
    pid = _patient_id(library, patient)
    treatments = demo_treatment_dates(_photo_dates(library, pid), today)
    end = min(today, treatments[-1] + dt.timedelta(days=CYCLE_DAYS - 1))
    diary = demo_diary(treatments, end)
    course_repo.save_diary_days(library, pid, diary, user=user)

    for n, date in enumerate(treatments):
        sites = preempt.protocol_units()
        note = ""
        if n == 2:  # follow-the-pain at the temples and the back of the head
            for site_id in ("temporalis_R5", "temporalis_L5", "occipitalis_R4", "occipitalis_L4"):
                sites[site_id] = preempt.ALL_SITES[site_id].units
            note = "Follow-the-pain: temporal and occipital pain"
        course_repo.save_treatment(
            library,
            pid,
            Treatment(
                session_date=date,
                product=PRODUCT,
                lot=LOTS[n % len(LOTS)],
                expiry=date + dt.timedelta(days=300),
                injector=INJECTOR,
                total_units=sum(sites.values()),
                sites=sites,
                note=note,
            ),
            user=user,
        )

    baseline_day = treatments[0] - dt.timedelta(days=1)
    course_repo.save_questionnaire(library, pid, midas(baseline_day, [12, 6, 10, 5, 9]), user=user)
    course_repo.save_questionnaire(library, pid, hit6(baseline_day, score=66), user=user)
    if len(treatments) >= 3:
        later = treatments[2] - dt.timedelta(days=1)
        course_repo.save_questionnaire(library, pid, midas(later, [4, 2, 3, 1, 3]), user=user)
        course_repo.save_questionnaire(library, pid, hit6(later, score=57), user=user)
    course_repo.save_note(library, pid, "period:cycle 1",
                          "Left brow slightly lower from week 3 (mild brow ptosis), gone by the "
                          "next session; neck stiffness for two days after the injections.",
                          user=user)
    if len(treatments) >= 4:
        course_repo.save_note(library, pid, "period:cycle 4",
                              "No side effects; patient reports far fewer days off work.",
                              user=user)
    return {"diary_days": len(diary), "treatments": len(treatments)}
