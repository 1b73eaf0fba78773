"""The compiled knowledge base: validated entries, the engine's indexes, and its networkx decision graph.

Graph nodes are ``"<kind>:<id>"`` with attributes ``kind`` (stage, symptom, cause, remedy, probe) and
``entry``; edges carry ``kind``: ``next`` (stage -> stage), ``evidence`` (symptom -> cause, with
``weight`` and ``if_absent``), ``remedy`` (cause -> remedy, with ``rank``), ``answers`` (probe ->
symptom), ``checks`` (stage -> symptom and stage -> cause).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dldoctor.expert.entries import Cause, HealthyCase, Pattern, Remedy, Stage, Symptom


@dataclass(frozen=True, slots=True)
class EvidenceEdge:
    symptom: str
    cause: str
    weight: float
    if_absent: float


@dataclass
class KnowledgeBase:
    """The compiled KB: validated entries (frozen dataclasses, ``expert.entries``) and the indexes the
    engine reads; ``graph`` is its networkx
    decision graph, built on first use (and left out of the on-disk cache, so reading the cache and
    running the engine need no networkx import)."""

    stages: dict[str, Stage]
    symptoms: dict[str, Symptom]
    causes: dict[str, Cause]
    remedies: dict[str, Remedy]
    patterns: list[Pattern]
    healthy: list[HealthyCase]
    probes: dict  # probe id -> ProbeSpec
    sources: dict[str, str]  # "kind:id" -> "file:line"
    by_symptom: dict[str, list[EvidenceEdge]] = field(default_factory=dict)
    by_cause: dict[str, list[EvidenceEdge]] = field(default_factory=dict)
    symptoms_by_probe: dict[str, list[str]] = field(default_factory=dict)
    _graph: object = field(default=None, repr=False, compare=False)

    def stage_order(self) -> list[str]:
        return [s.id for s in sorted(self.stages.values(), key=lambda s: (s.order, s.id))]

    @property
    def graph(self):
        if self._graph is None:
            self._graph = decision_graph(self)
        return self._graph

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_graph"] = None
        return state


def decision_graph(kb: KnowledgeBase):
    """The KB as one networkx DiGraph with typed nodes and edges (see the module docstring)."""
    import networkx as nx

    G = nx.DiGraph()
    for kind, table in (("stage", kb.stages), ("symptom", kb.symptoms), ("cause", kb.causes), ("remedy", kb.remedies), ("probe", kb.probes)):
        for id_, entry in table.items():
            G.add_node(f"{kind}:{id_}", kind=kind, entry=entry)
    for sid, st in kb.stages.items():
        for nxt in st.next:
            G.add_edge(f"stage:{sid}", f"stage:{nxt}", kind="next")
    for sid, sym in kb.symptoms.items():
        G.add_edge(f"stage:{sym.stage}", f"symptom:{sid}", kind="checks")
        if sym.probe is not None:
            G.add_edge(f"probe:{sym.probe.probe}", f"symptom:{sid}", kind="answers")
    for cid, edges in kb.by_cause.items():
        for e in edges:
            G.add_edge(f"symptom:{e.symptom}", f"cause:{cid}", kind="evidence", weight=e.weight, if_absent=e.if_absent)
    for cid, cause in kb.causes.items():
        G.add_edge(f"stage:{cause.stage}", f"cause:{cid}", kind="checks")
        for rank, rid in enumerate(cause.remedies):
            G.add_edge(f"cause:{cid}", f"remedy:{rid}", kind="remedy", rank=rank)
    return G
