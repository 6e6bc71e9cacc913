"""Does the grouping learn from people's decisions? Simulated review answered from the labels.

    python -m bench.learning                   # decisions on the tune pages, figures on the holdout pages
    python -m bench.learning --decisions 60    # more decisions
    python -m bench.learning --within-tune     # decisions on half the tune pages, figures on the other half
    python -m bench.learning --quick           # 5 decisions, lexical mode only: seconds

1. The seeds and the tune pages of tests/data/recurrence_labels.json are loaded and analyzed, as a user's
   tracker would be.
2. A simulated person works through the review queue, oldest first, answering from the labels: the first of
   the recommendations offered whose members hold a call of the same labelled group is chosen (the suggestion
   itself: "same recommendation"); when none does, "none of these". After ``--decisions`` answers it stops.
3. The decisions become labelled pairs as the analysis reads them (``core.decision_pairs``), and the pair
   score is refitted on them (``core.learned_method``). Both scorings group every call of all the pages, and
   the pairs involving a holdout call are scored against the labels, before and after.

``--within-tune`` is the check made before looking at the holdout: decisions on the seeds and e01-e03,
n13-n14, figures on e04-e06, n15-n17.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import numpy as np  # noqa: E402

from tracker import analysis  # noqa: E402
from tracker.analysis import core  # noqa: E402
from tracker.analysis import embeddings as emb  # noqa: E402
from tracker.analysis.evaluate import page_path, predict, prepare, score, simulate_review, split  # noqa: E402
from tracker.analysis.methods import LEXICAL_METHOD, SEMANTIC_METHOD  # noqa: E402
from tracker.analysis.pairmodel import adapt, pair_matrix  # noqa: E402
from tracker.store import Store  # noqa: E402
from tracker.store.analysis_tables import read_snapshot  # noqa: E402
from tracker.store.loading import load_paths  # noqa: E402


def decision_items(store: Store) -> list[tuple[str, str, int]]:
    """The decisions as the analysis reads them: (item id, item id, 1 same / 0 not)."""
    def read(con):  # type: ignore[no-untyped-def]
        return read_snapshot(con)

    snap = store.read(read)
    live = snap.items[core.is_live(snap.items)]
    live = live.reset_index(drop=True)
    pairs = core.decision_pairs(snap, live)
    ids = live["item_id"].tolist()
    return [(ids[a], ids[b], int(y)) for a, b, y in pairs.tolist()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=30)
    parser.add_argument("--within-tune", action="store_true", help="measure on tune pages only (see above)")
    parser.add_argument("--quick", action="store_true", help="5 decisions, lexical mode only: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.decisions = 5
    seeds, tune, holdout = split()
    if args.within_tune:
        first = ("e01", "e02", "e03", "n13", "n14")
        decide = seeds + [p for p in tune if p.startswith(first)]
        measured = [p for p in tune if not p.startswith(first)]
    else:
        decide, measured = seeds + tune, holdout
    modes = [("semantic", SEMANTIC_METHOD), ("lexical", LEXICAL_METHOD)][1 if args.quick else 0:]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for mode, method in modes:
            if method.needs_model and emb.get_embedder().embedder is None:
                print(f"{mode}: model not available, skipped")
                continue
            if not method.needs_model:
                os.environ["TRACKER_EMBEDDINGS"] = "off"
            store = Store(folder / f"{mode}.duckdb")
            assert load_paths([page_path(p) for p in decide], store).ok
            analysis.analyze(store)
            made = len(simulate_review(store, args.decisions))
            pairs = decision_items(store)
            ev = prepare(decide + measured, method.needs_model, folder)
            index = {i: k for k, i in enumerate(ev.calls.frame["item_id"])}
            known = np.array([(index[a], index[b], y) for a, b, y in pairs if a in index and b in index],
                             dtype=np.int64).reshape(-1, 3)
            learned = adapt(method, pair_matrix(ev.calls.features, known[:, :2], method.needs_model, method.metric()),
                            known[:, 2])
            pages = set(measured)
            before, after = score(ev, predict(ev, method), pages), score(ev, predict(ev, learned), pages)
            print(f"{mode}: {made} decisions -> {len(known)} labelled pairs ({int(known[:, 2].sum())} same)")
            for name, s in (("before", before), ("after", after)):
                print(f"  {name:6s} P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f} | cross P "
                      f"{s.cross_precision:.3f} R {s.cross_recall:.3f} F1 {s.cross_f1:.3f}")
            print(f"  F1 change {after.f1 - before.f1:+.3f}, cross F1 change {after.cross_f1 - before.cross_f1:+.3f}"
                  f" ({'within-tune' if args.within_tune else 'holdout'} pages: {', '.join(p[:3] for p in measured)})")


if __name__ == "__main__":
    main()
