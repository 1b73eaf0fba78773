"""The decision graph as Mermaid or Graphviz dot; ``top`` shows the workflow, its probes and its causes."""
from __future__ import annotations


def _nid(node: str) -> str:
    return node.replace(":", "_").replace("-", "_")


def _top_edges(kb, with_causes: bool = False):
    """The workflow, the probes that measure at each stage and (with_causes) the causes they point to."""
    for sid in kb.stage_order():
        for nxt in kb.stages[sid].next:
            yield f"stage:{sid}", f"stage:{nxt}", ""
    for pid, spec in kb.probes.items():
        if pid in kb.symptoms_by_probe and spec.stage in kb.stages:
            yield f"stage:{spec.stage}", f"probe:{pid}", "runs"
            if with_causes:
                causes = sorted({e.cause for s in kb.symptoms_by_probe[pid] for e in kb.by_symptom.get(s, ()) if e.weight > 0})
                for cid in causes:
                    yield f"probe:{pid}", f"cause:{cid}", ""


def _edges(kb, level: str):
    if level == "full":
        return list(_full_edges(kb))
    return list(_top_edges(kb, with_causes=level == "causes"))


def _full_edges(kb):
    for a, b, d in kb.graph.edges(data=True):
        yield a, b, d.get("kind", "")


def _label(kb, node: str) -> str:
    kind, _, id_ = node.partition(":")
    if kind == "stage":
        return kb.stages[id_].title
    return id_


def mermaid(kb, level: str = "top") -> str:
    edges = _edges(kb, level)
    nodes = sorted({n for a, b, _ in edges for n in (a, b)})
    shape = {"stage": ("([", "])"), "probe": ("[/", "/]"), "cause": ("(", ")"), "symptom": ("[", "]"), "remedy": ("{{", "}}")}
    out = ["flowchart LR"]
    for n in nodes:
        l, r = shape[n.partition(":")[0]]
        out.append(f'  {_nid(n)}{l}"{_label(kb, n)}"{r}')
    for a, b, label in edges:
        arrow = f"-- {label} -->" if label and level == "full" else "-->"
        out.append(f"  {_nid(a)} {arrow} {_nid(b)}")
    return "\n".join(out)


def dot(kb, level: str = "top") -> str:
    edges = _edges(kb, level)
    nodes = sorted({n for a, b, _ in edges for n in (a, b)})
    shape = {"stage": "box", "probe": "parallelogram", "cause": "ellipse", "symptom": "note", "remedy": "hexagon"}
    out = ["digraph dldoctor {", "  rankdir=LR;"]
    for n in nodes:
        out.append(f'  {_nid(n)} [label="{_label(kb, n)}", shape={shape[n.partition(":")[0]]}];')
    for a, b, label in edges:
        out.append(f'  {_nid(a)} -> {_nid(b)}' + (f' [label="{label}"]' if label and level == "full" else "") + ";")
    out.append("}")
    return "\n".join(out)
