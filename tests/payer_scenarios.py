"""Hand-computed migraine courses for the payer-report tests (core, library, CLI, PDF).

A course is built from 28-day blocks. In each block the first `headache` days are headache days,
the first `migraine` of those are migraine days and the first `triptan` of those are triptan
days; every other day of the block is recorded as headache-free. So a block's per-28-day rate is
exactly its count, and every figure below can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from photocompare.core.course_figures import DiaryDay, MedicationClass, Treatment
from photocompare.core.payer_report import PayerInputs, PreventiveTrial
from photocompare.core.questionnaires import hit6, midas

D = dt.date


@dataclass(frozen=True)
class Block:
    headache: int
    migraine: int = 0
    triptan: int = 0
    recorded: int = 28  # days of the block with a diary entry (the first ones)


def diary(start: dt.date, blocks: list[Block]) -> tuple[DiaryDay, ...]:
    out = []
    for b, block in enumerate(blocks):
        for i in range(block.recorded):
            day = start + dt.timedelta(days=28 * b + i)
            ache = i < block.headache
            med = i < block.triptan
            out.append(DiaryDay(day, ache, i < block.migraine, 4.0 if ache else None,
                                6 if ache else None, med, MedicationClass.TRIPTAN if med else None))
    return tuple(out)


T1 = D(2024, 4, 1)
T2 = T1 + dt.timedelta(days=84)  # 2024-06-24
T3 = T2 + dt.timedelta(days=84)  # 2024-09-16
BASELINE_START = T1 - dt.timedelta(days=28)  # 2024-03-04


def responder_30_not_50() -> PayerInputs:
    """Baseline 24 headache (12 migraine) days; cycle 1 20/28 (10 migraine); cycle 2 16/28
    (6 migraine): headache days -33.3 %, migraine days -50 %. Never episodic (>= 15 a month).
    MIDAS 15 -> 12 (-3) and HIT-6 62 -> 60 (-2): below the AHS cut-offs."""
    blocks = [Block(24, 12, 4)] + [Block(20, 10, 3)] * 3 + [Block(16, 6, 2)] * 3
    return PayerInputs(
        patient_id="P-200",
        diary=diary(BASELINE_START, blocks),
        treatments=(Treatment(T1, lot="C1234", total_units=155.0, injector="Dr Weiss"),
                    Treatment(T2, lot="C2345", total_units=155.0, injector="Dr Weiss")),
        questionnaires=(midas(T1 - dt.timedelta(days=3), [3, 3, 3, 3, 3]),
                        hit6(T1 - dt.timedelta(days=3), score=62),
                        midas(T3, [3, 3, 2, 2, 2]), hit6(T3, score=60)),
        birth_year=1975, display_name="Anna Beispiel")


def episodic_after_treatment() -> PayerInputs:
    """Baseline 20 (10 migraine); both cycles 12 headache days per 28 (-40 %): six episodic
    28-day months in a row from the first treatment."""
    blocks = [Block(20, 10, 2)] + [Block(12, 5, 1)] * 6
    return PayerInputs(
        patient_id="P-201", diary=diary(BASELINE_START, blocks),
        treatments=(Treatment(T1, total_units=155.0), Treatment(T2, total_units=155.0)),
        birth_year=1980)


def initial_candidate(triptan_per_block: int = 6) -> PayerInputs:
    """The three 28-day months before T1 (2024-01-08..2024-03-31; the last is the baseline),
    20 headache / 10 migraine days each; preventives: topiramate ineffective after 90 days,
    propranolol not tolerated after 20 days, amitriptyline ineffective after only 30 days."""
    start = T1 - dt.timedelta(days=84)  # 2024-01-08
    blocks = [Block(20, 10, triptan_per_block)] * 3
    return PayerInputs(
        patient_id="P-300", diary=diary(start, blocks), birth_year=1980,
        display_name="Berta Muster",
        preventives=(
            PreventiveTrial("Topiramate", "antiepileptic", D(2022, 1, 1), D(2022, 3, 31),
                            "50 mg twice daily", "ineffective"),
            PreventiveTrial("Propranolol", "beta-blocker", D(2022, 6, 1), D(2022, 6, 20),
                            "40 mg twice daily", "not-tolerated", "fatigue"),
            PreventiveTrial("Amitriptyline", "tricyclic", D(2023, 1, 1), D(2023, 1, 30),
                            "10 mg at night", "ineffective"),
        ),
        treatments=(Treatment(T1, total_units=155.0),))
