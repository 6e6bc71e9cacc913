"""Realistic benchmark corpora from the five seed pages.

Document i is a variant of seed i % 5, so the page kinds keep the seeds' proportions
(outcomes : glance : proposal = 2 : 1 : 2). Each variant gets its own year, session type, number
and title, and every item is reworded (synonym swaps, sentence and clause order, numbers, added
phrases) so that no two documents, and almost no two items, are byte-identical. Deterministic for
a given seed.

    python -m bench.generate 5000 bench/corpora/5000 [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tracker.reading.parsed import parse_bytes

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
VERSION = 1  # bump when the output changes, so cached corpora are regenerated

SESSION_TYPES = ["Workshop", "Open Forum", "Lightning Talk", "Town Hall", "Networking Session", "Day 0 Event",
                 "Launch / Award Event", "Dynamic Coalition Session", "Main Session", "Best Practice Forum"]
TOPICS = ["AI governance", "data protection", "digital inclusion", "cybersecurity", "online harms", "connectivity",
          "digital public infrastructure", "platform accountability", "youth participation", "content moderation",
          "misinformation", "internet fragmentation", "climate and ICT", "gender and technology", "e-government"]
SYNONYMS = {
    "children": ["minors", "young people", "kids", "children and adolescents"],
    "minors": ["children", "young users", "underage users"],
    "strengthen": ["reinforce", "enhance", "step up", "deepen"],
    "strengthened": ["reinforced", "enhanced", "stepped up", "deepened"],
    "important": ["essential", "crucial", "vital", "key"],
    "crucial": ["essential", "critical", "vital", "important"],
    "companies": ["firms", "businesses", "platforms", "providers"],
    "technology": ["tech", "digital technology", "technological"],
    "international": ["global", "cross-border", "worldwide"],
    "cooperation": ["collaboration", "partnership", "coordination"],
    "collaboration": ["cooperation", "partnership", "joint work"],
    "should": ["must", "ought to", "need to"],
    "must": ["should", "have to", "need to"],
    "governments": ["states", "public authorities", "national governments"],
    "develop": ["build", "design", "create", "establish"],
    "promote": ["advance", "foster", "encourage", "support"],
    "online": ["on the internet", "in digital spaces", "online"],
    "safety": ["protection", "security", "wellbeing"],
    "protection": ["safeguarding", "safety", "defence"],
    "ensure": ["guarantee", "make sure", "secure"],
    "standards": ["norms", "guidelines", "benchmarks"],
    "risks": ["harms", "threats", "dangers"],
    "research": ["studies", "evidence gathering", "analysis"],
    "effective": ["efficient", "meaningful", "workable"],
    "need": ["requirement", "necessity"],
    "approach": ["strategy", "method", "framework"],
}
_WORD = re.compile(r"\b(" + "|".join(sorted(SYNONYMS, key=len, reverse=True)) + r")\b(?!['’]s)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?![\d.]\d)")
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
PREFIXES = ["In particular, ", "Above all, ", "As a priority, ", "Moreover, ", "Speakers agreed that ",
            "Participants noted that ", "It was stressed that "]
SUFFIXES = [" in the coming years", " by {year}", " at national and regional level", " with the support of NRIs",
            " across all stakeholder groups", " in the Global South"]


@dataclass
class Template:
    name: str
    kind: str
    text: str
    year: int
    session_type: str
    number: str
    title: str
    spans: list[tuple[int, int, str]]  # (start, end, item text) of every item occurrence, in order


EVAL_PAGES = ROOT / "tests" / "data" / "eval_pages"


def load_templates(folders: tuple[Path, ...] = (SEEDS,)) -> list[Template]:
    """The pages to vary: the seeds, and with ``EVAL_PAGES`` the labelled pages too (about 150 distinct calls
    instead of 21, a more varied corpus)."""
    templates = []
    for path in [p for folder in folders for p in sorted(folder.glob("*.txt"))]:
        doc = parse_bytes(path.name, path.read_bytes())
        spans = sorted((o.start, o.end, it.text) for it in doc.items for o in it.occurrences)
        templates.append(Template(path.name, doc.page_kind, doc.text, doc.meta.year or 2024, doc.meta.session_type,
                                  doc.meta.number, doc.meta.title, spans))
    return templates


def _swap(match: re.Match[str], rng: random.Random) -> str:
    word = match.group(0)
    if rng.random() > 0.45:
        return word
    choice = rng.choice(SYNONYMS[word.lower()])
    return choice[0].upper() + choice[1:] if word[0].isupper() else choice


def vary_item(text: str, rng: random.Random, year: int) -> str:
    """Reword one item: same meaning and shape (one line, starts upper case), different bytes."""
    sentences = _SENTENCES.split(text)
    if len(sentences) > 1 and rng.random() < 0.5:
        rng.shuffle(sentences)
    elif "; " in text and rng.random() < 0.5:  # clause order within a sentence
        parts = text.rstrip(".").split("; ")
        rng.shuffle(parts)
        sentences = ["; ".join(parts) + "."]
    out = " ".join(sentences)
    out = _WORD.sub(lambda m: _swap(m, rng), out)
    out = _NUMBER.sub(lambda m: str(max(1, int(m.group(0)) + rng.randint(-3, 9))) if rng.random() < 0.7
                      else m.group(0), out)
    if rng.random() < 0.35:
        first = out[:1].lower() if out[1:2].islower() else out[:1]  # keep "UNICEF", "AI" as written
        out = rng.choice(PREFIXES) + first + out[1:]
    if rng.random() < 0.5:
        body, end = (out[:-1], out[-1]) if out[-1:] in ".?!" else (out, "")
        out = body + rng.choice(SUFFIXES).format(year=year + rng.randint(1, 5)) + end
    if rng.random() < 0.7 or out == text:  # nearly every item differs from every other
        out += f" ({rng.choice(TOPICS)}, point {rng.randint(1, 12)})"
    return out[:1].upper() + out[1:]


def vary_title(title: str, rng: random.Random) -> str:
    title = _WORD.sub(lambda m: _swap(m, rng), title)
    if rng.random() < 0.6:
        title = f"{title}: {rng.choice(TOPICS)}"
    return title


def make_document(i: int, templates: list[Template], seed: int = 0) -> tuple[str, str]:
    """(file name, text) of document i."""
    tpl = templates[i % len(templates)]
    rng = random.Random(f"{seed}-{i}")
    year = rng.randint(2006, 2025)
    session_type = rng.choice(SESSION_TYPES)
    number = str(i + 1)
    title = vary_title(tpl.title, rng)
    # reword items in place; the same text found twice in a page stays the same item
    reworded: dict[str, str] = {}
    pieces, last = [], 0
    for start, end, item_text in tpl.spans:
        if item_text not in reworded:
            reworded[item_text] = vary_item(item_text, rng, year)
        pieces.append(tpl.text[last:start])
        pieces.append(reworded[item_text])
        last = end
    pieces.append(tpl.text[last:])
    text = "".join(pieces)
    text = text.replace(tpl.title, title)
    if tpl.session_type and tpl.number:
        text = re.sub(rf"{re.escape(tpl.session_type)}\s*#\s*{re.escape(tpl.number)}\b",
                      f"{session_type} #{number}", text)
    text = re.sub(rf"\b{tpl.year}\b", str(year), text)
    return f"{i:06d}_{tpl.kind}.txt", text


def generate(n: int, out: Path, seed: int = 0, quiet: bool = False, varied: bool = False) -> dict:
    """Write n documents to out (reusing an identical earlier corpus); returns the manifest. ``varied``: vary
    the labelled evaluation pages as well as the seeds."""
    manifest_path = out / "manifest.json"
    wanted = {"version": VERSION, "documents": n, "seed": seed, "varied": varied}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if all(manifest.get(k) == v for k, v in wanted.items()):
            return manifest
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    templates = load_templates((SEEDS, EVAL_PAGES) if varied else (SEEDS,))
    started = time.perf_counter()
    kinds: dict[str, int] = {}
    total = 0
    for i in range(n):
        name, text = make_document(i, templates, seed)
        data = text.encode("utf-8")
        (out / name).write_bytes(data)
        total += len(data)
        kinds[templates[i % len(templates)].kind] = kinds.get(templates[i % len(templates)].kind, 0) + 1
    manifest = {**wanted, "bytes": total, "kinds": kinds, "seconds": round(time.perf_counter() - started, 1)}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    if not quiet:
        print(f"generated {n} documents ({total / 1e6:.1f} MB) in {out} in {manifest['seconds']} s", file=sys.stderr)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(generate(args.n, args.out, args.seed), indent=1))


if __name__ == "__main__":
    main()
