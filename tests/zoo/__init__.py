"""The tests' fixture zoo: data, models, healthy subjects, the faults that break them, train steps and
the probe context - each written once (see the README's testing section).

- ``data``: sklearn's digits (scaled tensors, images, raw arrays), breast_cancer, generated regressions, loaders;
- ``models``: the MLPs and CNNs the subjects train;
- ``subjects``: healthy subjects, and optimizer factories;
- ``faults``: one function per fault, injected into a healthy subject or its parts (the built-in examples' faults
  come from ``dldoctor.examples.builtin.faults``);
- ``steps``: user-style train steps;
- ``context``: the probe context with the KB's crash patterns, run a probe, judge and rank with the built-in KB.
"""
