"""Phase 2 of compiling a KB: checks across the whole base, once every file has been read on its own.

Duplicate-free tables come in (``compiler._Collected``); out come located problems: dangling
references (with a did-you-mean), probe findings no probe declares or judged with the wrong kind of
predicate, unknown stages, causes without remedies, symptoms nothing uses, cycles in the workflow,
and causes that no evidence can tell apart.
"""
from __future__ import annotations

from dldoctor.expert.problems import Problem, did_you_mean


def check(c, probes: dict) -> list[Problem]:
    P = []
    stages, symptoms, causes, remedies = c.stages, c.symptoms, c.causes, c.remedies
    pattern_kinds = {v for spec in probes.values() if spec.patterns_finding for v in spec.finding(spec.patterns_finding).values}

    for e in c.patterns:
        if pattern_kinds and e.item.kind not in pattern_kinds:
            P.append(Problem(e.file, e.line, "patterns", f"unknown failure kind '{e.item.kind}'" + did_you_mean(e.item.kind, pattern_kinds)))

    for sid, e in stages.items():
        for i, nxt in enumerate(e.item.next):
            if nxt not in stages:
                P.append(Problem(e.file, e.at("next", i), f"{sid} next[{i}]", f"unknown stage '{nxt}'" + did_you_mean(nxt, stages)))

    for sid, e in symptoms.items():
        s = e.item
        if s.stage not in stages:
            P.append(Problem(e.file, e.at("stage"), f"{sid} stage", f"unknown stage '{s.stage}'" + did_you_mean(s.stage, stages)))
        if s.probe is not None:
            P += _check_judgement(e, sid, s.probe, probes, symptoms)

    used: set[str] = set()
    for cid, e in causes.items():
        k = e.item
        if k.stage not in stages:
            P.append(Problem(e.file, e.at("stage"), f"{cid} stage", f"unknown stage '{k.stage}'" + did_you_mean(k.stage, stages)))
        seen = set()
        for i, ev in enumerate(k.evidence):
            used.add(ev.symptom)
            if ev.symptom not in symptoms:
                P.append(Problem(e.file, e.at("evidence", i, "symptom"), f"{cid} evidence[{i}].symptom", f"unknown symptom '{ev.symptom}'" + did_you_mean(ev.symptom, symptoms)))
            if ev.symptom in seen:
                P.append(Problem(e.file, e.at("evidence", i, "symptom"), f"{cid} evidence[{i}].symptom", f"symptom '{ev.symptom}' is listed twice for this cause"))
            seen.add(ev.symptom)
        if not k.remedies:
            P.append(Problem(e.file, e.at("remedies"), f"{cid} remedies", "a cause needs at least one remedy"))
        for i, rid in enumerate(k.remedies):
            if rid not in remedies:
                P.append(Problem(e.file, e.at("remedies", i), f"{cid} remedies[{i}]", f"unknown remedy '{rid}'" + did_you_mean(rid, remedies)))
        for group in ("ranks_top", "stays_below", "todo"):
            for j, case in enumerate(getattr(k.cases, group)):
                for sym in case.observations:
                    if sym not in symptoms:
                        P.append(Problem(e.file, e.at("cases", group, j, "observations", sym), f"{cid} cases.{group}[{j}].observations", f"unknown symptom '{sym}'" + did_you_mean(sym, symptoms)))

    for e in c.evidence:
        ev = e.item
        used.add(ev.symptom)
        if ev.symptom not in symptoms:
            P.append(Problem(e.file, e.line, "evidence", f"unknown symptom '{ev.symptom}'" + did_you_mean(ev.symptom, symptoms)))
        if ev.cause not in causes:
            P.append(Problem(e.file, e.line, "evidence", f"unknown cause '{ev.cause}'" + did_you_mean(ev.cause, causes)))

    for e in c.healthy:
        for sym in e.item.observations:
            if sym not in symptoms:
                P.append(Problem(e.file, e.line, f"{e.item.name} observations", f"unknown symptom '{sym}'" + did_you_mean(sym, symptoms)))

    for sid, e in symptoms.items():
        if sid not in used and not c.broken:  # a broken cause file may be the one that uses it
            P.append(Problem(e.file, e.line, sid, "symptom is not evidence for any cause — link it from a cause's evidence or remove it"))

    # the workflow must be a DAG
    from graphlib import CycleError, TopologicalSorter  # the standard library's; no networkx import to compile

    try:
        TopologicalSorter({sid: [n for n in e.item.next if n in stages] for sid, e in sorted(stages.items())}).prepare()
    except CycleError as exc:
        cycle = list(dict.fromkeys(exc.args[1]))
        first = cycle.index(min(cycle))
        cycle = cycle[first:] + cycle[:first]  # start at the smallest id: the same message every run
        e = stages[cycle[0]]
        P.append(Problem(e.file, e.at("next"), f"{cycle[0]} next", "workflow cycle: " + " -> ".join(cycle + [cycle[0]])))

    # two causes that no evidence can tell apart
    signature: dict = {}
    for cid, e in causes.items():
        sig = frozenset((ev.symptom, ev.weight > 0, ev.if_absent < 0) for ev in e.item.evidence)
        sig |= frozenset((x.item.symptom, x.item.weight > 0, x.item.if_absent < 0) for x in c.evidence if x.item.cause == cid)
        if sig in signature:
            P.append(Problem(e.file, e.line, cid, f"no evidence tells this cause from '{signature[sig]}' (same symptoms, same directions) — add a symptom that separates them"))
        else:
            signature[sig] = cid
    return P


def about_broken(p: Problem, broken: set) -> bool:
    """A reference problem caused by an entry that was already reported invalid."""
    return any(f"unknown symptom '{b}'" in p.message or f"unknown remedy '{b}'" in p.message or f"unknown stage '{b}'" in p.message
               or f"unknown cause '{b}'" in p.message for b in broken)


def _check_judgement(e, sid: str, j, probes: dict, symptoms: dict | None = None) -> list[Problem]:
    """Every finding a predicate reads is declared by its probe and of the kind its comparator needs;
    ``symptom:`` references name a symptom of the same probe, without a cycle."""
    from dldoctor.expert.predicate import references

    where = f"{sid} probe"
    spec = probes.get(j.probe)
    if spec is None:
        return [Problem(e.file, e.at("probe", "probe"), f"{where}.probe", f"no probe '{j.probe}' is declared" + did_you_mean(j.probe, probes))]
    P = _check_condition(e, where, j, spec, j.probe)
    for ref in references(j):
        target = (symptoms or {}).get(ref)
        if target is None:
            P.append(Problem(e.file, e.at("probe"), where, f"unknown symptom '{ref}'" + did_you_mean(ref, symptoms or {})))
        elif target.item.probe is None or target.item.probe.probe != j.probe:
            P.append(Problem(e.file, e.at("probe"), where, f"symptom '{ref}' is not judged by probe '{j.probe}': a reference must stay within one probe"))
    if symptoms and _refers_to_itself(sid, symptoms):
        P.append(Problem(e.file, e.at("probe"), where, f"symptom '{sid}' refers back to itself through 'symptom:' references"))
    return P


def _refers_to_itself(sid: str, symptoms: dict) -> bool:
    from dldoctor.expert.predicate import references

    seen, todo = set(), [sid]
    while todo:
        cur = symptoms.get(todo.pop())
        if cur is None or cur.item.probe is None:
            continue
        for ref in references(cur.item.probe):
            if ref == sid:
                return True
            if ref not in seen:
                seen.add(ref)
                todo.append(ref)
    return False


def _check_condition(e, where: str, c, spec, probe: str) -> list[Problem]:
    P = []
    for part in (*(c.all_ or ()), *(c.any_ or ()), *([c.not_] if c.not_ is not None else [])):
        P += _check_condition(e, where, part, spec, probe)
    names = [c.finding] if c.finding is not None else list(c.ratio or ())
    for name in names:
        f = spec.finding(name)
        if f is None:
            P.append(Problem(e.file, e.at("probe", "finding") if c.finding is not None else e.at("probe"), f"{where}.finding",
                             f"probe '{probe}' declares no finding '{name}'" + did_you_mean(name, [x.name for x in spec.findings])))
            continue
        numeric = any(v is not None for v in (c.above, c.below, c.at_least, c.at_most)) or c.ratio is not None
        if numeric and f.kind != "number":
            P.append(Problem(e.file, e.at("probe"), where, f"above/below/at_least/at_most and ratio need a number, but '{probe}.{name}' is a {f.kind}"))
        if c.is_ is not None and c.finding is not None and f.kind != "bool":
            P.append(Problem(e.file, e.at("probe"), where, f"'is' needs a bool, but '{probe}.{name}' is a {f.kind}"))
        if f.kind == "category" and c.finding is not None:
            for v in [c.equals] if c.equals is not None else (c.in_ or []):
                if v not in f.values:
                    P.append(Problem(e.file, e.at("probe"), where, f"'{probe}.{name}' is never '{v}'" + did_you_mean(v, f.values)))
    return P
