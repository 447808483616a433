"""Payer profiles for onabotulinumtoxinA in chronic migraine: what an insurer asks to see.

Insurers approve the treatment only with documented criteria and renew it only with a documented
response. The criteria differ by payer and guideline, so each is a *profile*: a frozen set of
thresholds, each with the published source it comes from. A profile is evaluated against
figures computed elsewhere (core.course, core.questionnaires) and every criterion comes out as
met (True), not met (False) or not enough data (None) — information for the clinician and the
payer, never a decision to treat or stop.

Built-in profiles (see each constant for the source of every rule):

* ``nice`` — NICE Technology Appraisal TA260 (2012).
* ``ehf`` — European Headache Federation consensus (Bendtsen et al., J Headache Pain 2018).
* ``ahs`` — American Headache Society consensus statement (Headache 2019; update 2021).

A user profile is a TOML file with the same fields (``load_profile_toml``); unknown keys and
out-of-range values are refused with one line naming the file and the key, so a typo can never
silently fall back to a default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from photocompare.core.errors import CourseError

MEASURES = ("headache_days", "migraine_days")

# The classes of prior preventive a payer counts; "other" is kept so nothing is lost, and it
# still counts as a drug tried (not as a distinct class when a payer counts classes).
PREVENTIVE_CLASSES = (
    "antiepileptic", "beta-blocker", "tricyclic", "other-antidepressant",
    "calcium-channel-blocker", "arb-ace-inhibitor", "cgrp-antibody", "gepant", "other",
)
PREVENTIVE_CLASS_LABELS = {
    "antiepileptic": "antiepileptic",
    "beta-blocker": "beta-blocker",
    "tricyclic": "tricyclic antidepressant",
    "other-antidepressant": "other antidepressant",
    "calcium-channel-blocker": "calcium-channel blocker",
    "arb-ace-inhibitor": "ARB/ACE inhibitor",
    "cgrp-antibody": "CGRP antibody",
    "gepant": "gepant",
    "other": "other",
}
OUTCOMES = ("ineffective", "not-tolerated", "contraindicated", "ongoing")
# A preventive counts as failed/unsuitable when it did not work after an adequate trial, could
# not be tolerated, or could not be given at all; "ongoing" is still being tried.
FAILED_OUTCOMES = ("ineffective", "not-tolerated", "contraindicated")


@dataclass(frozen=True)
class PayerProfile:
    """Thresholds of one payer or guideline. ``None`` switches a criterion off."""

    key: str  # "nice" | "ehf" | "ahs" | the TOML file's stem
    name: str  # shown on the report
    source: str  # full citation, printed on the report
    threshold_pct: float  # continuation: at least this % fewer `measure` days per 28
    measure: str  # "headache_days" | "migraine_days"
    after_cycles: int  # the reduction is judged from this treatment cycle on
    episodic_rule: bool  # continuation not met after 3 consecutive episodic months
    # Questionnaire cut-offs (continuation is also met by any of these when set):
    midas_drop_points: float | None = None  # for a baseline MIDAS of 11-20
    midas_drop_pct: float | None = None  # for a baseline MIDAS above 20
    hit6_drop_points: float | None = None
    # Initial approval: failed or unsuitable prior preventives.
    min_failed_preventives: int = 0  # distinct drugs
    min_failed_classes: int = 0  # distinct classes (other than "other")
    adequate_trial_days: int = 0  # an "ineffective" drug counts only after this long
    min_age_years: int = 18
    reduction_source: str = ""
    episodic_source: str = ""
    questionnaire_source: str = ""
    preventive_source: str = ""

    @property
    def measure_label(self) -> str:
        return self.measure.replace("_", " ")

    @property
    def questionnaires_used(self) -> bool:
        return any(x is not None for x in (self.midas_drop_points, self.midas_drop_pct,
                                           self.hit6_drop_points))


_NICE_SOURCE = ("NICE Technology Appraisal TA260 (2012): Botulinum toxin type A for the "
                "prevention of headaches in adults with chronic migraine, sections 1.1-1.2")
NICE = PayerProfile(
    key="nice", name="NICE TA260", source=_NICE_SOURCE,
    # TA260 1.1: "has not responded to at least three prior pharmacological prophylaxis
    # therapies" and "condition is appropriately managed for medication overuse".
    # TA260 1.2: stop when "not adequately responded (< 30 % reduction in headache days per
    # month) after two treatment cycles" or "changed to episodic migraine (< 15 headache days
    # per month) for three consecutive months".
    threshold_pct=30.0, measure="headache_days", after_cycles=2, episodic_rule=True,
    min_failed_preventives=3, min_failed_classes=0,
    # TA260 names no trial length; two months at a tolerated dose is the usual clinical reading.
    adequate_trial_days=56,
    reduction_source="NICE TA260 1.2: < 30 % fewer headache days per month after 2 cycles",
    episodic_source="NICE TA260 1.2: episodic (< 15 headache days/month) for 3 consecutive months",
    preventive_source="NICE TA260 1.1: no response to at least 3 prior prophylactic drugs",
)

_EHF_SOURCE = ("European Headache Federation: Bendtsen L et al., Guideline on the use of "
               "onabotulinumtoxinA in chronic migraine: a consensus statement, "
               "J Headache Pain 2018;19:91")
EHF = PayerProfile(
    key="ehf", name="European Headache Federation (2018)", source=_EHF_SOURCE,
    # EHF: fewer than 30 % fewer headache days after 2-3 cycles is non-response. Judging from
    # cycle 3 gives late responders the full window the consensus allows.
    threshold_pct=30.0, measure="headache_days", after_cycles=3, episodic_rule=False,
    # EHF: for patients who failed 2-3 oral preventives (at adequate dose and duration).
    min_failed_preventives=2, min_failed_classes=0, adequate_trial_days=56,
    reduction_source="EHF 2018: < 30 % fewer headache days after 2-3 cycles is non-response",
    preventive_source="EHF 2018: failure of 2-3 oral preventive drugs",
)

_AHS_SOURCE = ("American Headache Society consensus statement: Integrating new migraine "
               "treatments into clinical practice, Headache 2019;59:1-18 (update Headache "
               "2021;61:1021-1039)")
AHS = PayerProfile(
    key="ahs", name="American Headache Society (2019/2021)", source=_AHS_SOURCE,
    # AHS 2019: benefit of a preventive = >= 50 % fewer monthly headache days, or a significant
    # improvement of a validated disability scale: MIDAS -5 points (baseline 11-20) or -30 %
    # (baseline > 20), HIT-6 -5 points. OnabotulinumtoxinA is judged after 2 quarterly cycles.
    threshold_pct=50.0, measure="headache_days", after_cycles=2, episodic_rule=False,
    midas_drop_points=5.0, midas_drop_pct=30.0, hit6_drop_points=5.0,
    # AHS 2019 (CGRP/new preventives, which payers apply to onabotulinumtoxinA too): inability
    # to tolerate, or inadequate response to, a 6-week trial of at least 2 established classes.
    min_failed_preventives=2, min_failed_classes=2, adequate_trial_days=42,
    reduction_source="AHS 2019: ≥ 50 % fewer monthly headache days",
    questionnaire_source="AHS 2019: MIDAS −5 (baseline 11–20) or −30 % (baseline > 20); "
                         "HIT-6 −5 points",
    preventive_source="AHS 2019: 6-week trials of at least 2 preventive classes",
)

BUILT_IN: dict[str, PayerProfile] = {p.key: p for p in (NICE, EHF, AHS)}

_TOML_KEYS = {f.name for f in fields(PayerProfile)} - {"key"}
_REQUIRED_TOML = ("name", "source", "threshold_pct", "measure", "after_cycles")


def _check_profile(p: PayerProfile, where: str) -> PayerProfile:
    def bad(key: str, why: str) -> CourseError:
        return CourseError(f"{where}: {key} {why}")

    if not p.name.strip():
        raise bad("name", "is empty")
    if not p.source.strip():
        raise bad("source", "is empty: a profile must cite where its rules come from")
    if not 0 < p.threshold_pct <= 100:
        raise bad("threshold_pct", f"= {p.threshold_pct:g} is outside 0-100")
    if p.measure not in MEASURES:
        raise bad("measure", f"= {p.measure!r} is not one of {', '.join(MEASURES)}")
    if not 1 <= p.after_cycles <= 12:
        raise bad("after_cycles", f"= {p.after_cycles} is outside 1-12")
    for key in ("midas_drop_points", "midas_drop_pct", "hit6_drop_points"):
        value = getattr(p, key)
        if value is not None and not 0 < value <= 100:
            raise bad(key, f"= {value:g} is outside 0-100")
    for key in ("min_failed_preventives", "min_failed_classes", "adequate_trial_days"):
        if getattr(p, key) < 0:
            raise bad(key, "must be 0 or more")
    return p


def load_profile_toml(path: str | Path) -> PayerProfile:
    """A user profile from a TOML file (the fields of PayerProfile, ``key`` excepted)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{path.name}: payer profile not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"{path.name}: cannot read the payer profile ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path.name}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - _TOML_KEYS)
    if unknown:
        raise CourseError(f"{path.name}: unknown key {unknown[0]!r} in the payer profile")
    missing = [k for k in _REQUIRED_TOML if k not in data]
    if missing:
        raise CourseError(f"{path.name}: the payer profile needs {missing[0]!r}")
    types = {"name": str, "source": str, "measure": str, "episodic_rule": bool,
             "reduction_source": str, "episodic_source": str, "questionnaire_source": str,
             "preventive_source": str}
    ints = ("after_cycles", "min_failed_preventives", "min_failed_classes",
            "adequate_trial_days", "min_age_years")
    values = {}
    for key, value in data.items():
        if key in types:
            if not isinstance(value, types[key]):
                raise CourseError(f"{path.name}: {key} must be a {types[key].__name__}")
        elif key in ints:
            if isinstance(value, bool) or not isinstance(value, int):
                raise CourseError(f"{path.name}: {key} must be a whole number")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise CourseError(f"{path.name}: {key} must be a number")
        else:
            value = float(value)
        values[key] = value
    values.setdefault("episodic_rule", False)
    profile = PayerProfile(key=path.stem, **values)
    return _check_profile(profile, path.name)


def get_profile(name_or_path: str | Path) -> PayerProfile:
    """A built-in profile by key (``nice``, ``ehf``, ``ahs``) or a user profile's TOML file."""
    text = str(name_or_path).strip()
    if text.lower() in BUILT_IN:
        return BUILT_IN[text.lower()]
    if text.lower().endswith(".toml"):
        return load_profile_toml(text)
    raise CourseError(f"unknown payer profile {text!r} (nice, ehf, ahs or a .toml file)")


def with_measure(profile: PayerProfile, measure: str) -> PayerProfile:
    """The same profile counting another measure (for payers that count migraine days)."""
    return _check_profile(replace(profile, measure=measure), profile.key)
