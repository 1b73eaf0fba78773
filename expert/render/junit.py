"""The report as JUnit XML: each cause a test case that fails when its belief reaches the threshold."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from dldoctor.expert.report import Report


def render(report: Report) -> str:
    failures = report.problems()
    suite = ET.Element("testsuite", name="dldoctor", tests=str(len(report.causes)), failures=str(len(failures)),
                       errors="0" if report.diagnosed else "1",
                       skipped="0", time=f"{sum(p.get('seconds', 0.0) for p in report.probes):.3f}")
    props = ET.SubElement(suite, "properties")
    for k in ("target", "seed", "version"):
        if report.meta.get(k) is not None:
            ET.SubElement(props, "property", name=k, value=str(report.meta[k]))
    for c in report.causes:
        case = ET.SubElement(suite, "testcase", classname=f"dldoctor.{c.group}", name=c.id, time="0")
        if c.score >= report.threshold:
            fail = ET.SubElement(case, "failure", message=f"{c.title}: belief {c.score:.2f} >= {report.threshold:g}", type=c.category)
            lines = [c.summary, "Evidence:"]
            lines += [f"  {e.title}: {'present' if e.present else 'absent'}, observed {e.observed} ({e.probe}, {e.delta:+.1f})" for e in c.evidence]
            lines += ["Remedies:"] + [f"  {i}. {r.title}" for i, r in enumerate(c.remedies, 1)]
            fail.text = "\n".join(lines)
    for p in report.probes:
        if p["status"] == "failed":
            ET.SubElement(suite, "system-err").text = f"probe {p['id']} failed: {p.get('message', '')}"
    if not report.diagnosed:
        case = ET.SubElement(suite, "testcase", classname="dldoctor", name="diagnosis", time="0")
        ET.SubElement(case, "error", message=f"could not diagnose: {report.undiagnosed}", type="undiagnosed")
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=False) + "\n"
