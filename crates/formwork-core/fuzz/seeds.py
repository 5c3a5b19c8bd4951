#!/usr/bin/env python3
"""Regenerates the committed seed corpus (corpus/<target>/seed-*) from the repository's files.

    python3 crates/formwork-core/fuzz/seeds.py

compile:   every forms/*.json; every conformance file's inline form (or its component wrapped in
           a one-page form); one form followed by NUL-separated components/*/component.json
           (the library-from-input mode); small hand-written edge cases.
validate:  every conformance case as steps of `name=value` lines (see fuzz_targets/validate.rs).
condition: every condition in forms/ and tests/conformance/ (showIf, next[].when, named
           conditions), with the named conditions it may use and answers from its conformance
           cases (see fuzz_targets/condition.rs).

Only seed-* files are rewritten; regress-* files (inputs that once crashed) are kept.
Run it again after adding forms or conformance cases; the output is deterministic.
"""

import hashlib
import json
import pathlib

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parents[2]
CORPUS = FUZZ / "corpus"


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def conformance_files():
    for path in sorted((ROOT / "tests/conformance").glob("*.json")):
        data = load(path)
        if isinstance(data, dict) and "cases" in data:
            yield path, data


def wrap_component(component):
    page = {"slug": "question", "components": [component]}
    if "name" not in component:
        page["title"] = "Example"
    return {"title": "Conformance", "start": {}, "pages": [page], "confirmation": {"title": "Done"}}


def form_of(data):
    """(id the fuzz targets know it by, definition) of a conformance file."""
    if "form" in data:
        return data["form"], load(ROOT / "forms" / f"{data['form']}.json")
    return None, data.get("definition") or wrap_component(data["component"])


def escape(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n")


def write(target, seeds):
    out = CORPUS / target
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("seed-*"):
        old.unlink()
    seen = set()
    for name, text in seeds:
        data = text.encode("utf-8")
        digest = hashlib.sha1(data).hexdigest()[:10]
        if digest in seen:
            continue
        seen.add(digest)
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:60].strip("-")
        (out / f"seed-{safe}-{digest}").write_bytes(data)
    print(f"corpus/{target}: {len(seen)} seeds")


def compile_seeds():
    seeds = []
    for path in sorted((ROOT / "forms").glob("*.json")):
        seeds.append((path.stem, path.read_text(encoding="utf-8")))
    for path, data in conformance_files():
        fid, definition = form_of(data)
        if fid is None:
            seeds.append((path.stem, json.dumps(definition, ensure_ascii=False, indent=1)))
    components = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "components").glob("*/component.json"))]
    form = (ROOT / "forms/over-18-check.json").read_text(encoding="utf-8")
    seeds.append(("library-over-18-check", "\0".join([form, *components])))
    # Edge cases a fuzzer takes long to build by itself.
    deep = "(" * 200 + "answered(a)" + ")" * 200
    seeds.append(("edge-deep-condition", json.dumps({
        "title": "Deep", "start": {}, "confirmation": {"title": "Done"},
        "pages": [
            {"slug": "a", "components": [{"type": "text-input", "name": "a", "label": "A"}]},
            {"slug": "b", "showIf": deep, "components": [{"type": "text-input", "name": "b", "label": "B"}]},
        ],
    })))
    seeds.append(("edge-deep-json", '{"title": ' + "[" * 100 + "]" * 100 + "}"))
    return seeds


def validate_seeds():
    seeds = []
    for path, data in conformance_files():
        fid, _ = form_of(data)
        fid = fid or f"conformance-{path.stem}"
        for case in data["cases"]:
            lines = [fid, f"{case['today']} {case.get('lang', 'en')}"]
            if case.get("answers"):
                lines.append(json.dumps(case["answers"], ensure_ascii=False))
            for step in case.get("steps", []):
                lines.append(f"@{step['page']}")
                for name, value in step["input"].items():
                    for v in value if isinstance(value, list) else [value]:
                        lines.append(f"{escape(name)}={escape(v)}")
            seeds.append((f"{path.stem}-{case['name']}", "\n".join(lines) + "\n"))
    return seeds


def conditions_of(definition):
    for page in definition.get("pages", []):
        if "showIf" in page:
            yield page["showIf"]
        for rule in page.get("next", []):
            if "when" in rule:
                yield rule["when"]
    yield from definition.get("conditions", {}).values()


def condition_seeds():
    seeds = []
    sources = [(p.stem, p.stem, load(p), []) for p in sorted((ROOT / "forms").glob("*.json"))]
    for path, data in conformance_files():
        fid, definition = form_of(data)
        answers = [c["answers"]["values"] for c in data["cases"] if c.get("answers", {}).get("values")]
        sources.append((path.stem, fid or f"conformance-{path.stem}", definition, answers))
    sources.append(("condition-form", "condition-form", load(FUZZ / "condition-form.json"), []))
    for name, fid, definition, answer_sets in sources:
        named = definition.get("conditions", {})
        for i, expr in enumerate(dict.fromkeys(conditions_of(definition))):
            # The base form already has its named conditions; none need restating.
            lines = [escape(expr), f"!base {fid}"]
            values = answer_sets[i % len(answer_sets)] if answer_sets else {}
            if "today" not in named:
                lines.append("!today 2026-02-28")
            for k, v in values.items():
                text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                lines.append(f"{escape(k)}={escape(text)}")
            seeds.append((f"{name}-{i}", "\n".join(lines) + "\n"))
    # The condition form with named conditions given in the input.
    seeds.append(("named-in-input", "\n".join([
        "adult or no-car",
        "?adult=age(date-of-birth, today) >= 18",
        "?no-car=has-vehicle == \"no\" and not answered(vehicle-count)",
        "date-of-birth=2008-02-29",
        "has-vehicle=no",
        'needs=["ramp"]',
        'address={"postcode": "SW1A 2AA"}',
    ]) + "\n"))
    return seeds


if __name__ == "__main__":
    write("compile", compile_seeds())
    write("validate", validate_seeds())
    write("condition", condition_seeds())
