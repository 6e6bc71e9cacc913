"""Machine titles against titles a person wrote for the same groups of calls.

`python -m tracker.analysis.evaluate_titles [REFERENCE.json]` builds the suggested title of each reference
group (``titles.suggest_title`` over the group's texts) and prints, per group, the person's title and the
machine's, then: how many machine titles read as "Actor: action object" or "Action object"
(``titles.title_form``), how many name an actor where the person did, and the mean word overlap with the
person's title (Dice coefficient of their content words, verbs in their base form).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..resources import CHECKOUT_ROOT
from .titles import content_words, suggest_title, title_form

DEFAULT_REFERENCE = Path("tests/data/reference_titles.json")


@dataclass
class TitleScore:
    rows: list[tuple[str, str, str, float]] = field(default_factory=list)  # person, machine, form, overlap

    @property
    def n(self) -> int:
        return len(self.rows)

    @property
    def in_form(self) -> int:
        return sum(1 for _, _, form, _ in self.rows if form)

    @property
    def with_actor(self) -> int:
        return sum(1 for _, _, form, _ in self.rows if form == "actor: action")

    @property
    def overlap(self) -> float:
        return sum(o for *_, o in self.rows) / self.n if self.n else 0.0


def overlap(a: str, b: str) -> float:
    """Dice coefficient of two titles' content words (1.0: the same words)."""
    x, y = (content_words(t.replace("’", "'")) for t in (a, b))
    return 2 * len(x & y) / (len(x) + len(y)) if x or y else 0.0


def evaluate(path: Path | None = None) -> TitleScore:
    reference = json.loads((path or CHECKOUT_ROOT / DEFAULT_REFERENCE).read_text(encoding="utf-8"))
    score = TitleScore()
    for group in reference["groups"]:
        calls = group["calls"]
        machine = suggest_title([c["text"] for c in calls], [c["kind"] for c in calls])
        score.rows.append((group["title"], machine, title_form(machine), overlap(group["title"], machine)))
    return score


def main(argv: list[str]) -> None:
    score = evaluate(Path(argv[0]) if argv else None)
    for person, machine, form, value in score.rows:
        print(f"person:  {person}\nmachine: {machine}   [{form or 'not in form'}; overlap {value:.2f}]\n")
    person_actors = sum(1 for person, *_ in score.rows if ": " in person)
    print(f"{score.in_form}/{score.n} machine titles read as 'Actor: action object' or 'Action object' "
          f"({score.with_actor} with an actor; the person named one in {person_actors}); "
          f"mean word overlap with the person's title {score.overlap:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
