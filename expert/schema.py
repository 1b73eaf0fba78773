"""The knowledge base's file formats, as pydantic models that reject unknown keys.

A KB folder holds:
  stages.yaml        the guide's workflow stages (``stages:`` list)
  patterns.yaml      regular expressions that classify a crash (``patterns:`` list)
  healthy.yaml       observation sets under which no cause may reach the threshold (``healthy:`` list)
  symptoms/*.yaml    ``symptoms:`` lists — observable facts, with a question and/or a probe judgement
  causes/ID.yaml     one root cause a file — prior, mechanism, evidence, remedies, test cases
  remedies/*.yaml    ``remedies:`` lists — concrete steps, referenced by causes in order
  evidence/*.yaml    ``evidence:`` lists — extra symptom -> cause edges (for extensions)
"""
from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

Category = Literal["implementation-bug", "hyper-parameters", "data-model-fit", "dataset-construction", "evaluation"]
Group = Literal["implementation", "hyperparameters", "data", "evaluation", "model"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stage(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    order: int
    summary: str
    next: list[str] = []
    checks: list[str] = []  # what a practitioner does at this stage, in order


class StagesFile(Strict):
    stages: list[Stage]


class Pattern(Strict):
    kind: str = Field(pattern=ID_PATTERN)  # a value of probe 'runs' finding failure_kind
    regex: str
    note: str = ""

    @field_validator("regex")
    @classmethod
    def _compiles(cls, v: str) -> str:
        from dldoctor.probes.pattern_match import compile_pattern  # RE2: linear-time matching, or refused here

        compile_pattern(v)  # PatternError is a ValueError: a located problem at `kb check`
        return v


class PatternsFile(Strict):
    patterns: list[Pattern]


_COMPARATORS = ("equals", "in_", "above", "below", "is_")
_SUBJECTS = ("finding", "ratio", "symptom", "all_", "any_", "not_")


class Condition(Strict):
    """A predicate on a probe's findings (three-valued: true, false, or unknown when a value is missing).

    The subject is exactly one of:
      finding: NAME         one finding's value,
      ratio: [A, B]         finding A / finding B (unknown when B is 0 or either is missing),
      symptom: ID           another symptom of the same probe holds (a decision list reads in order),
      all: [...] / any: [...] / not: {...}   conditions combined;
    and a value subject takes exactly one comparator: equals / in / above / below / is (``symptom``
    takes none, or ``is: false``).  ``above``/``below`` are strict; ``at_least``/``at_most`` include the bound.
    """

    finding: str | None = None
    ratio: list[str] | None = Field(default=None, min_length=2, max_length=2)
    symptom: str | None = None
    all_: list["Condition"] | None = Field(default=None, alias="all", min_length=1)
    any_: list["Condition"] | None = Field(default=None, alias="any", min_length=1)
    not_: "Condition | None" = Field(default=None, alias="not")
    equals: Union[str, float, None] = None
    in_: list[Union[str, float]] | None = Field(default=None, alias="in")
    above: float | None = None
    below: float | None = None
    at_least: float | None = None
    at_most: float | None = None
    is_: bool | None = Field(default=None, alias="is")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_subject_one_comparator(self):
        subjects = [k for k in _SUBJECTS if getattr(self, k) is not None]
        comparators = [k for k in (*_COMPARATORS, "at_least", "at_most") if getattr(self, k) is not None]
        if len(subjects) != 1:
            raise ValueError("give exactly one of finding, ratio, symptom, all, any, not")
        if subjects[0] in ("finding", "ratio") and len(comparators) != 1:
            raise ValueError("give exactly one of equals, in, above, below, at_least, at_most, is")
        if subjects[0] == "symptom" and comparators not in ([], ["is_"]):
            raise ValueError("a symptom reference takes no comparator but 'is'")
        if subjects[0] in ("all_", "any_", "not_") and comparators:
            raise ValueError(f"'{subjects[0].rstrip('_')}' combines conditions and takes no comparator")
        return self


class Judgement(Condition):
    """A symptom's predicate on one probe's findings: ``probe`` plus a Condition."""

    probe: str = Field(pattern=ID_PATTERN)


Fact = Literal["batch_norm", "train_step", "gpu", "dropout"]


class AppliesIf(Strict):
    """When a question applies: the facts the session knows of the subject (has_batch_norm, ...)."""

    has: list[Fact] = []  # every one of these must be there
    lacks: list[Fact] = []  # none of these may be there

    @field_validator("has", "lacks", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [v] if isinstance(v, str) else v


class Symptom(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    stage: str
    question: str | None = None  # what a person is asked when no probe answers
    probe: Judgement | None = None
    base_rate: float = Field(default=0.05, gt=0, lt=1)  # P(symptom | none of its causes)
    question_cost_s: float = Field(default=30.0, gt=0)  # a person's time to answer
    doc: str = ""
    # how a measured line reads: a str.format template over value, threshold, finding and the probe's
    # findings and scalar details, e.g. "lr {configured_lr:.2g} is {ratio}x the range test's best"
    explain: str | None = None
    applies_if: AppliesIf | None = None  # a question about a component the subject lacks is never asked
    overrides: bool = False

    @model_validator(mode="after")
    def _answerable(self):
        if self.question is None and self.probe is None:
            raise ValueError("a symptom needs a question, a probe judgement, or both")
        return self


class SymptomsFile(Strict):
    symptoms: list[Symptom]


class Evidence(Strict):
    """symptom -> cause: ``weight`` is added to the cause's log-odds when the symptom is present,
    ``if_absent`` (<= 0) when it is observed absent."""

    symptom: str
    weight: float = Field(ge=-10, le=10)
    if_absent: float = Field(default=0.0, ge=-10, le=0)
    note: str = ""


class ExtraEvidence(Evidence):
    cause: str


class EvidenceFile(Strict):
    evidence: list[ExtraEvidence]


class Reference(Strict):
    title: str
    url: str = ""


class CaseSpec(Strict):
    """A cause's own test case: observations (symptom -> yes/no/unknown)."""

    name: str = ""
    observations: dict[str, Literal["yes", "no", "unknown"]]
    top: int | None = Field(default=None, ge=1)  # must rank within the top N


class Cases(Strict):
    ranks_top: list[CaseSpec] = []  # the cause must rank in the top N (default 1)
    stays_below: list[CaseSpec] = []  # the cause must stay below the report threshold
    todo: list[CaseSpec] = []  # known gaps, expected to fail


class Cause(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    group: Group
    category: Category
    stage: str
    prior: float = Field(gt=0, lt=1)
    summary: str
    mechanism: str
    tags: list[str] = []
    evidence: list[Evidence]
    remedies: list[str]  # remedy ids, cheapest first
    references: list[Reference] = []
    cases: Cases = Cases()
    overrides: bool = False  # an extension file that redefines a built-in id must say so


class Remedy(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    cost: Literal["minutes", "hours", "days"] = "minutes"
    steps: list[str] = Field(min_length=1)
    references: list[Reference] = []
    overrides: bool = False


class RemediesFile(Strict):
    remedies: list[Remedy]


class HealthyCase(Strict):
    name: str
    observations: dict[str, Literal["yes", "no", "unknown"]]


class HealthyFile(Strict):
    healthy: list[HealthyCase]
