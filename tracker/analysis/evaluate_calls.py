"""Precision and recall of the report-call suggestions on labelled pages.

`python -m tracker.analysis.evaluate_calls [LABELS.json]` prints one line per split (tune: the pages the
cues were chosen on; holdout: measured only) and the misses and false alarms of each page.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..reading.models import normalize_text
from ..reading.parsing import parse_text
from ..reading.report_calls import find_report_calls
from ..reading.text import bytes_to_text
from ..resources import CHECKOUT_ROOT

DEFAULT_LABELS = Path("tests/data/report_calls_labels.json")


@dataclass
class Score:
    found: int = 0
    labelled: int = 0
    right: int = 0
    misses: list[tuple[str, str]] = field(default_factory=list)  # (page, sentence)
    false_alarms: list[tuple[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.labelled if self.labelled else 1.0


def evaluate(labels_path: Path | None = None) -> dict[str, Score]:
    """Scores per split ("tune", "holdout"), page paths relative to the checkout."""
    root = CHECKOUT_ROOT
    path = labels_path or root / DEFAULT_LABELS
    labels = json.loads(path.read_text(encoding="utf-8"))
    scores: dict[str, Score] = {}
    for page, entry in labels["pages"].items():
        score = scores.setdefault(entry["split"], Score())
        data = (root / page).read_bytes()
        doc = parse_text(bytes_to_text(data, page), page)
        found = {normalize_text(c.text): c.text for c in find_report_calls(doc.text, doc.items)}
        wanted = {normalize_text(t): t for t in entry["calls"]}
        score.found += len(found)
        score.labelled += len(wanted)
        score.right += len(found.keys() & wanted.keys())
        score.misses += [(page, wanted[k]) for k in wanted.keys() - found.keys()]
        score.false_alarms += [(page, found[k]) for k in found.keys() - wanted.keys()]
    return scores


def main(argv: list[str]) -> None:
    scores = evaluate(Path(argv[0]) if argv else None)
    for split, s in scores.items():
        print(f"{split}: {s.right}/{s.found} suggestions right, {s.right}/{s.labelled} calls found; "
              f"P {s.precision:.2f} R {s.recall:.2f}")
        for page, text in s.misses:
            print(f"  missed       {Path(page).name}: {text}")
        for page, text in s.false_alarms:
            print(f"  false alarm  {Path(page).name}: {text}")


if __name__ == "__main__":
    main(sys.argv[1:])
