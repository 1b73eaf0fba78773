"""Writes a synthetic, valid KB of about N nodes (for the compile and engine benchmarks).

Shape of a big real KB: one file per cause, symptoms grouped 100 a file, remedies 100 a file;
a tenth of the symptoms judge a real probe's numeric finding, the rest are questions; each cause has
3-6 evidence edges (some with if_absent), 1-3 remedies.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

from dldoctor.probes.registry import catalog

STAGES = "stages:\n" + "".join(
    f"  - {{id: {s}, title: {s}, order: {i}, summary: {s}, next: [{n}]}}\n"
    for i, (s, n) in enumerate([("start-simple", "implement-and-debug"), ("implement-and-debug", "evaluate"), ("evaluate", "")]))


def generate(root: Path, nodes: int = 10_000, seed: int = 0) -> Path:
    rng = random.Random(seed)
    n_causes, n_symptoms = int(nodes * 0.3), int(nodes * 0.5)
    n_remedies = nodes - n_causes - n_symptoms
    numeric = [(pid, f.name) for pid, s in catalog().items() for f in s.findings if f.kind == "number"]
    stages = ["start-simple", "implement-and-debug", "evaluate"]
    for sub in ("causes", "symptoms", "remedies"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "stages.yaml").write_text(STAGES)
    for f in range(0, n_symptoms, 100):
        out = ["symptoms:"]
        for i in range(f, min(f + 100, n_symptoms)):
            out += [f"  - id: s{i}", f"    title: Symptom {i}", f"    stage: {rng.choice(stages)}"]
            if i % 10 == 0:
                pid, finding = rng.choice(numeric)
                out.append(f"    probe: {{probe: {pid}, finding: {finding}, above: {rng.uniform(0, 5):.3f}}}")
            else:
                out.append(f"    question: Is symptom {i} present?")
        (root / "symptoms" / f"s{f:05d}.yaml").write_text("\n".join(out) + "\n")
    for f in range(0, n_remedies, 100):
        out = ["remedies:"]
        for i in range(f, min(f + 100, n_remedies)):
            out += [f"  - id: r{i}", f"    title: Remedy {i}", f"    steps: [Do step one of remedy {i}., Then step two.]"]
        (root / "remedies" / f"r{f:05d}.yaml").write_text("\n".join(out) + "\n")
    unused = list(range(n_symptoms))
    rng.shuffle(unused)
    for c in range(n_causes):
        k = rng.randint(3, 6)
        syms = [unused.pop() for _ in range(min(2, len(unused)))] + rng.sample(range(n_symptoms), k)
        syms = list(dict.fromkeys(syms))
        ev = "\n".join(f"  - {{symptom: s{s}, weight: {rng.uniform(0.5, 5):.2f}, if_absent: {-rng.uniform(0, 2):.2f}}}" for s in syms)
        rem = ", ".join(f"r{r}" for r in rng.sample(range(n_remedies), rng.randint(1, 3)))
        (root / "causes" / f"c{c}.yaml").write_text(
            f"id: c{c}\ntitle: Cause {c}\ngroup: implementation\ncategory: implementation-bug\nstage: {rng.choice(stages)}\n"
            f"prior: {rng.uniform(0.01, 0.1):.3f}\nsummary: Synthetic cause {c}.\nmechanism: Synthetic.\nevidence:\n{ev}\nremedies: [{rem}]\n")
    for leftover in unused:  # every symptom must be evidence for something
        extra = root / "causes" / f"c{leftover % n_causes}.yaml"
        text = extra.read_text().replace("\nremedies:", f"\n  - {{symptom: s{leftover}, weight: 1.0}}\nremedies:", 1)
        extra.write_text(text)
    return root


if __name__ == "__main__":
    print(generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10_000))
