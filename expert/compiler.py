"""Compiles KB folders (YAML) into one validated knowledge base and its networkx decision graph.

Phase 1 reads and validates each file on its own (syntax, unknown keys, types).  Phase 2 checks the
whole base: duplicate ids, dangling references, probe findings that no probe declares, cycles in the
workflow, causes without remedies, symptoms nothing uses, causes no evidence can tell apart.  Every
problem is collected and raised at once as a ``KBError``.  The phase-2 checks live in
``expert.kb_checks``; the result, ``KnowledgeBase`` and its graph, in ``expert.knowledge_base``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from dldoctor.expert import schema as S
from dldoctor.expert.entries import freeze
from dldoctor.expert.kb_checks import about_broken, check
from dldoctor.expert.kb_files import FolderTooBig, yaml_files
from dldoctor.expert.knowledge_base import EvidenceEdge, KnowledgeBase  # noqa: F401  (KnowledgeBase re-exported)
from dldoctor.expert.problems import KBError, Problem, did_you_mean
from dldoctor.expert.yaml_source import Located, read

BUILTIN_KB = Path(__file__).resolve().parent.parent / "kb"

_LIST_DIRS = {"symptoms": (S.SymptomsFile, "symptoms"), "remedies": (S.RemediesFile, "remedies"), "evidence": (S.EvidenceFile, "evidence")}
_SINGLE_FILES = {"stages.yaml": (S.StagesFile, "stages"), "patterns.yaml": (S.PatternsFile, "patterns"), "healthy.yaml": (S.HealthyFile, "healthy")}


# ---------------------------------------------------------------- phase 1: one file at a time

def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names (aliases where set) of the sub-model that ``loc`` points into."""
    cur = model
    for part in loc[:-1]:
        if isinstance(part, int) or cur is None:
            continue
        f = cur.model_fields.get(part) or next((x for x in cur.model_fields.values() if x.alias == part), None)
        if f is None:
            return []
        cur = _model_in(f.annotation)
    return [f.alias or n for n, f in cur.model_fields.items()] if cur else []


def _model_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        m = _model_in(arg)
        if m:
            return m
    return None


def _validate(model: type[BaseModel], src: Located, prefix: tuple = ()) -> tuple[BaseModel | None, list[Problem]]:
    data = src.data
    for p in prefix:
        data = data[p]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            full = prefix + loc
            entry = _entry_name(src, full)
            where = f"{entry} {_dotted(loc)}".strip() if entry else _dotted(full)
            if err["type"] == "extra_forbidden":
                msg = f"unknown key '{loc[-1]}'" + did_you_mean(loc[-1], _fields_at(model, loc))
            elif err["type"] == "missing":
                msg = "required key is missing"
            else:
                msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(src.file, src.line(full), where, msg))
        return None, problems


def _entry_name(src: Located, loc: tuple) -> str:
    data = src.data
    if isinstance(data, dict) and "id" in data and isinstance(data.get("id"), str):
        return data["id"]
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data, dict):
        items = data.get(loc[0])
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            return str(items[loc[1]].get("id") or items[loc[1]].get("name") or "")
    return ""


def _dotted(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


@dataclass
class _Entry:
    item: BaseModel
    file: str
    line: int
    builtin: bool
    src: Located | None = None
    prefix: tuple = ()

    def at(self, *path) -> int:
        """The line of a field inside this entry, e.g. at('evidence', 1, 'symptom')."""
        return self.src.line(self.prefix + path) if self.src is not None else self.line


@dataclass
class _Collected:
    stages: dict = field(default_factory=dict)
    symptoms: dict = field(default_factory=dict)
    causes: dict = field(default_factory=dict)
    remedies: dict = field(default_factory=dict)
    evidence: list = field(default_factory=list)
    patterns: list = field(default_factory=list)
    healthy: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    broken: set = field(default_factory=set)  # ids of entries that failed validation (no dangling-reference noise)


def _kb_files(root: Path, found: list[Path]) -> list[tuple[Path, str]]:
    """(path, role) for every YAML file of a KB folder's layout, in a stable order (``found``: its YAML files)."""
    out = []
    present = set(found)
    for name in sorted(_SINGLE_FILES):
        if root / name in present:
            out.append((root / name, name))
    for sub in ("causes", *_LIST_DIRS):
        out += [(p, sub) for p in found if p.parent == root / sub]
    return out


def _shown(path: Path, root: Path, label: str) -> str:
    return f"{label}/{path.relative_to(root).as_posix()}"


def _collect(dirs: list[tuple[Path, str, bool]]) -> _Collected:
    c = _Collected()
    for root, label, builtin in dirs:
        if not root.is_dir():
            c.problems.append(Problem(label, 0, "", "KB folder does not exist"))
            continue
        try:
            found = yaml_files(root)
        except FolderTooBig as exc:
            c.problems.append(Problem(label, 0, "", f"not a KB folder: it {exc}"))
            continue
        files = _kb_files(root, found)
        known = {p for p, _ in files}
        for stray in found:
            if stray not in known:
                c.problems.append(Problem(_shown(stray, root, label), 0, "", "not part of a KB layout — put it under causes/, symptoms/, remedies/ or evidence/, or name it stages.yaml, patterns.yaml or healthy.yaml"))
        for path, role in files:
            shown = _shown(path, root, label)
            src, problems = read(path, shown)
            c.problems += problems
            if src is None:
                continue
            if role == "causes":
                _add_cause(c, src, path, builtin)
            elif role in _LIST_DIRS:
                model, key = _LIST_DIRS[role]
                _add_list(c, src, model, key, builtin)
            else:
                model, key = _SINGLE_FILES[role]
                _add_list(c, src, model, key, builtin)
    return c


def _add_cause(c: _Collected, src: Located, path: Path, builtin: bool) -> None:
    cause, problems = _validate(S.Cause, src)
    c.problems += problems
    if cause is None:
        c.broken.add(path.stem)
        return
    if path.stem != cause.id:
        c.problems.append(Problem(src.file, src.line(("id",)), f"{cause.id} id", f"a cause file is named after its id: rename the file to {cause.id}.yaml or the id to '{path.stem}'"))
    _register(c, c.causes, "cause", cause.id, _Entry(cause, src.file, src.line(("id",)), builtin, src, ()))


def _add_list(c: _Collected, src: Located, model, key: str, builtin: bool) -> None:
    """Validate a list file item by item, so one bad entry does not hide the others."""
    data = src.data
    if not isinstance(data, dict) or set(data) != {key} or not isinstance(data[key], list):
        found = ", ".join(map(str, data)) if isinstance(data, dict) else type(data).__name__
        c.problems.append(Problem(src.file, 1, "", f"expected a single top-level key '{key}:' holding a list, found {found or 'nothing'}"))
        return
    item_model = _model_in(model.model_fields[key].annotation)
    for i, raw in enumerate(data[key]):
        item, problems = _validate(item_model, src, (key, i))
        c.problems += problems
        if item is None:
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                c.broken.add(raw["id"])
            continue
        entry = _Entry(item, src.file, src.line((key, i)), builtin, src, (key, i))
        if key == "symptoms":
            _register(c, c.symptoms, "symptom", item.id, entry)
        elif key == "remedies":
            _register(c, c.remedies, "remedy", item.id, entry)
        elif key == "stages":
            _register(c, c.stages, "stage", item.id, entry)
        else:
            getattr(c, key).append(entry)


def _register(c: _Collected, table: dict, kind: str, id_: str, entry: _Entry) -> None:
    old = table.get(id_)
    if old is not None:
        may_override = old.builtin and not entry.builtin and getattr(entry.item, "overrides", False)
        if not may_override:
            why = " — add 'overrides: true' to replace a built-in entry" if old.builtin and not entry.builtin else ""
            c.problems.append(Problem(entry.file, entry.line, id_, f"duplicate {kind} id (also defined at {old.file}:{old.line}){why}"))
            return
    table[id_] = entry


# ---------------------------------------------------------------- the graph

def _build(c: _Collected, probes: dict) -> KnowledgeBase:
    sources = {f"{kind}:{id_}": f"{e.file}:{e.line}"
               for kind, table in (("stage", c.stages), ("symptom", c.symptoms), ("cause", c.causes), ("remedy", c.remedies))
               for id_, e in table.items()}
    by_symptom: dict = {}
    by_cause: dict = {cid: [] for cid in c.causes}
    symptoms_by_probe: dict = {}
    for sid, e in c.symptoms.items():
        if e.item.probe is not None:
            symptoms_by_probe.setdefault(e.item.probe.probe, []).append(sid)
    edges = [(cid, ev) for cid, e in c.causes.items() for ev in e.item.evidence]
    edges += [(x.item.cause, x.item) for x in c.evidence]
    for cid, ev in edges:
        edge = EvidenceEdge(ev.symptom, cid, ev.weight, ev.if_absent)
        by_symptom.setdefault(ev.symptom, []).append(edge)
        by_cause[cid].append(edge)
    return KnowledgeBase(
        stages={k: freeze(e.item) for k, e in c.stages.items()},
        symptoms={k: freeze(e.item) for k, e in c.symptoms.items()},
        causes={k: freeze(e.item) for k, e in c.causes.items()},
        remedies={k: freeze(e.item) for k, e in c.remedies.items()},
        patterns=[freeze(e.item) for e in c.patterns],
        healthy=[freeze(e.item) for e in c.healthy],
        probes=dict(probes),
        sources=sources,
        by_symptom=by_symptom,
        by_cause=by_cause,
        symptoms_by_probe=symptoms_by_probe,
    )


def compile_kb(extra_dirs=(), *, builtin: bool = True, probes: dict | None = None, builtin_dir: Path | None = None) -> KnowledgeBase:
    """Compile the built-in KB (unless ``builtin=False``) plus ``extra_dirs``; raise KBError listing every problem.

    ``builtin_dir`` stands in for the built-in KB (tests use a small fixture)."""
    if probes is None:
        from dldoctor.probes.registry import catalog

        probes = catalog()
    dirs = [(Path(builtin_dir or BUILTIN_KB), "kb", True)] if builtin else []
    dirs += [(Path(d), str(d).rstrip("/"), False) for d in extra_dirs]
    c = _collect(dirs)
    c.problems += [p for p in check(c, probes) if not about_broken(p, c.broken)]
    if c.problems:
        raise KBError(c.problems)
    return _build(c, probes)  # its networkx graph is built on first use (kb.graph)
