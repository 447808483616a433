"""Migraine disability questionnaires: MIDAS and HIT-6, dated and validated.

MIDAS (Migraine Disability Assessment): 5 questions, each a number of days in the last 3 months
(0-92): missed work/school, work/school productivity halved, missed household work, household
productivity halved, missed family/social/leisure activities. Score = sum; grade I 0-5 (little
or no disability), II 6-10 (mild), III 11-20 (moderate), IV >= 21 (severe).

HIT-6 (Headache Impact Test): 6 items answered never (6), rarely (8), sometimes (10), very often
(11), always (13); score 36-78; bands <= 49 little or no impact, 50-55 some, 56-59 substantial,
>= 60 severe impact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from photocompare.core.errors import CourseError

MIDAS_MAX_DAYS = 92  # the 3-month recall window
HIT6_POINTS = {"never": 6, "rarely": 8, "sometimes": 10, "very often": 11, "always": 13}


@dataclass(frozen=True)
class QuestionnaireResult:
    kind: str  # "midas" | "hit6"
    date: dt.date
    score: int
    grade: str  # MIDAS "I".."IV"; HIT-6 band "little or no impact" ...
    description: str
    items: tuple[int, ...] = ()  # MIDAS: days per question; HIT-6: points per item (may be empty)


def _check_date(date: dt.date) -> dt.date:
    if isinstance(date, dt.datetime):
        return date.date()
    if not isinstance(date, dt.date):
        raise CourseError(f"questionnaire date {date!r} is not a date")
    return date


def midas_grade(score: int) -> tuple[str, str]:
    if score <= 5:
        return "I", "little or no disability"
    if score <= 10:
        return "II", "mild disability"
    if score <= 20:
        return "III", "moderate disability"
    return "IV", "severe disability"


def midas(date: dt.date, items: Sequence[int]) -> QuestionnaireResult:
    """Score MIDAS from its 5 answers (days, 0-92 each)."""
    date = _check_date(date)
    if len(items) != 5:
        raise CourseError(f"MIDAS needs 5 answers, got {len(items)}")
    clean = []
    for i, x in enumerate(items, start=1):
        if isinstance(x, bool) or not isinstance(x, int | float) or not float(x).is_integer():
            raise CourseError(f"MIDAS question {i}: {x!r} is not a whole number of days")
        if not 0 <= x <= MIDAS_MAX_DAYS:
            raise CourseError(f"MIDAS question {i}: {x:g} days is outside 0-{MIDAS_MAX_DAYS}")
        clean.append(int(x))
    score = sum(clean)
    grade, text = midas_grade(score)
    return QuestionnaireResult("midas", date, score, grade, text, tuple(clean))


def hit6_band(score: int) -> str:
    if score <= 49:
        return "little or no impact"
    if score <= 55:
        return "some impact"
    if score <= 59:
        return "substantial impact"
    return "severe impact"


def hit6(date: dt.date, answers: Sequence[str | int] | None = None, score: int | None = None
         ) -> QuestionnaireResult:
    """Score HIT-6 from its 6 answers (words or points) or take a total score (36-78)."""
    date = _check_date(date)
    points: tuple[int, ...] = ()
    if answers is not None:
        if len(answers) != 6:
            raise CourseError(f"HIT-6 needs 6 answers, got {len(answers)}")
        out = []
        for i, a in enumerate(answers, start=1):
            if isinstance(a, str):
                p = HIT6_POINTS.get(" ".join(a.strip().lower().split()))
                if p is None:
                    raise CourseError(f"HIT-6 item {i}: {a!r} is not one of "
                                      f"{', '.join(HIT6_POINTS)}")
            elif isinstance(a, int) and not isinstance(a, bool) and a in HIT6_POINTS.values():
                p = a
            else:
                raise CourseError(f"HIT-6 item {i}: {a!r} is not 6, 8, 10, 11 or 13 points")
            out.append(p)
        points = tuple(out)
        total = sum(points)
        if score is not None and score != total:
            raise CourseError(f"HIT-6 score {score} does not match its answers ({total})")
        score = total
    if score is None:
        raise CourseError("HIT-6 needs its 6 answers or a total score")
    if isinstance(score, bool) or not isinstance(score, int) or not 36 <= score <= 78:
        raise CourseError(f"HIT-6 score {score!r} is outside 36-78")
    band = hit6_band(score)
    return QuestionnaireResult("hit6", date, score, band, band, points)


def score_questionnaire(kind: str, date: dt.date, items: Sequence[int | str] = (),
                        score: int | None = None) -> QuestionnaireResult:
    """Dispatch by kind ("midas" | "hit6"), as stored in the library."""
    if kind == "midas":
        return midas(date, list(items))
    if kind == "hit6":
        return hit6(date, list(items) or None, score)
    raise CourseError(f"unknown questionnaire {kind!r} (midas or hit6)")
