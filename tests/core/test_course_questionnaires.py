"""MIDAS and HIT-6 scoring, grades/bands and validation."""

from __future__ import annotations

import datetime as dt

import pytest

from photocompare.core.errors import CourseError
from photocompare.core.questionnaires import hit6, midas, score_questionnaire

DAY = dt.date(2024, 5, 1)


@pytest.mark.parametrize(("items", "score", "grade"), [
    ([0, 0, 0, 0, 0], 0, "I"), ([1, 1, 1, 1, 1], 5, "I"), ([2, 1, 1, 1, 1], 6, "II"),
    ([2, 2, 2, 2, 2], 10, "II"), ([3, 2, 2, 2, 2], 11, "III"), ([4, 4, 4, 4, 4], 20, "III"),
    ([5, 4, 4, 4, 4], 21, "IV"), ([90, 90, 90, 90, 90], 450, "IV"),
])
def test_midas_score_and_grade(items, score, grade):
    result = midas(DAY, items)
    assert (result.kind, result.date, result.score, result.grade) == ("midas", DAY, score, grade)
    assert result.items == tuple(items)


@pytest.mark.parametrize("items", [[1, 2, 3, 4], [1, 2, 3, 4, 5, 6], [-1, 0, 0, 0, 0],
                                   [93, 0, 0, 0, 0], [1.5, 0, 0, 0, 0], ["3", 0, 0, 0, 0]])
def test_midas_rejects_bad_answers(items):
    with pytest.raises(CourseError, match="MIDAS"):
        midas(DAY, items)


@pytest.mark.parametrize(("answers", "score", "band"), [
    (["never"] * 6, 36, "little or no impact"),
    (["sometimes"] * 4 + ["rarely", "never"], 54, "some impact"),  # 40 + 8 + 6
    (["very often"] * 5 + ["never"], 61, "severe impact"),  # 55 + 6
    (["Always"] * 6, 78, "severe impact"),
    ([10, 10, 10, 10, 10, 6], 56, "substantial impact"),
])
def test_hit6_from_answers(answers, score, band):
    result = hit6(DAY, answers)
    assert (result.score, result.grade) == (score, band)


@pytest.mark.parametrize(("score", "band"), [(49, "little or no impact"), (50, "some impact"),
                                             (55, "some impact"), (56, "substantial impact"),
                                             (59, "substantial impact"), (60, "severe impact")])
def test_hit6_bands_at_their_edges(score, band):
    assert hit6(DAY, score=score).grade == band


@pytest.mark.parametrize("kwargs", [{"score": 35}, {"score": 79}, {}, {"answers": ["never"] * 5},
                                    {"answers": ["often"] * 6}, {"answers": [7] * 6},
                                    {"answers": ["never"] * 6, "score": 40}])
def test_hit6_rejects_bad_input(kwargs):
    with pytest.raises(CourseError, match="HIT-6"):
        hit6(DAY, **kwargs)


def test_dispatch_by_kind_and_date_required():
    assert score_questionnaire("midas", DAY, [1, 2, 3, 4, 5]).score == 15
    assert score_questionnaire("hit6", DAY, score=60).grade == "severe impact"
    with pytest.raises(CourseError):
        score_questionnaire("phq9", DAY, [1])
    with pytest.raises(CourseError, match="not a date"):
        midas("2024-05-01", [0] * 5)
