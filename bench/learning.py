"""Does the grouping learn from people's decisions? Simulated review answered from the labels.

    python -m bench.learning                   # decisions on the tune pages, figures on the holdout pages
    python -m bench.learning --decisions 60    # more decisions
    python -m bench.learning --within-tune     # decisions on half the tune pages, figures on the other half
    python -m bench.learning --quick           # 5 decisions, lexical mode only: seconds
    python -m bench.learning --orders 10       # ten sets of decisions: the spread of the change (the noise)

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
from tracker.analysis.evaluate import EvalSet, page_path, predict, prepare, score, simulate_review, split  # noqa: E402
from tracker.analysis.methods import LEXICAL_METHOD, SEMANTIC_METHOD  # noqa: E402
from tracker.analysis.pairmodel import adapt, pair_matrix  # noqa: E402
from tracker.analysis.similarity import Method  # noqa: E402
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


def learn(store: Store, decide: list[str], ev: EvalSet, method: Method, decisions: int,
          order: int) -> tuple[Method, int, np.ndarray]:
    """The method adapted to ``decisions`` simulated decisions on the pages ``decide`` (a fresh tracker in
    ``store``), with how many were made and the labelled pairs they gave (item positions in ``ev``, 1 same)."""
    assert load_paths([page_path(p) for p in decide], store).ok
    analysis.analyze(store)
    made = len(simulate_review(store, decisions, order=order))
    index = {i: k for k, i in enumerate(ev.calls.frame["item_id"])}
    known = np.array([(index[a], index[b], y) for a, b, y in decision_items(store) if a in index and b in index],
                     dtype=np.int64).reshape(-1, 3)
    learned = adapt(method, pair_matrix(ev.calls.features, known[:, :2], method.needs_model, method.metric()),
                    known[:, 2])
    return learned, made, known


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=30)
    parser.add_argument("--within-tune", action="store_true", help="measure on tune pages only (see above)")
    parser.add_argument("--orders", type=int, default=1,
                        help="sets of decisions: the queue oldest first, then calls picked at random (seeded 1, 2, "
                             "…); several give the spread of the change, the noise to set a change against")
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
    where = "within-tune" if args.within_tune else "holdout"
    modes = [("semantic", SEMANTIC_METHOD), ("lexical", LEXICAL_METHOD)][1 if args.quick else 0:]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for mode, method in modes:
            if method.needs_model and emb.get_embedder().embedder is None:
                print(f"{mode}: model not available, skipped")
                continue
            if not method.needs_model:
                os.environ["TRACKER_EMBEDDINGS"] = "off"
            ev = prepare(decide + measured, method.needs_model, folder)
            pages = set(measured)
            before = score(ev, predict(ev, method), pages)
            print(f"{mode}: {where} pages {', '.join(p[:3] for p in measured)}")
            print(f"  before{'':15s} P {before.precision:.3f} R {before.recall:.3f} F1 {before.f1:.3f} | cross P "
                  f"{before.cross_precision:.3f} R {before.cross_recall:.3f} F1 {before.cross_f1:.3f}")
            changes = []
            for order in range(args.orders):
                learned, made, known = learn(Store(folder / f"{mode}-{order}.duckdb"), decide, ev, method,
                                             args.decisions, order)
                after = score(ev, predict(ev, learned), pages)
                changes.append((after.f1 - before.f1, after.cross_f1 - before.cross_f1))
                which = "oldest first" if order == 0 else f"random {order}"
                print(f"  after  {which:14s} P {after.precision:.3f} R {after.recall:.3f} F1 {after.f1:.3f} | cross P "
                      f"{after.cross_precision:.3f} R {after.cross_recall:.3f} F1 {after.cross_f1:.3f} | {made} "
                      f"decisions, {len(known)} pairs ({int(known[:, 2].sum())} same) | F1 {changes[-1][0]:+.3f}, "
                      f"cross F1 {changes[-1][1]:+.3f}")
            if len(changes) > 1:
                f1, cross = np.array(changes).T
                print(f"  F1 change over {len(changes)} sets of decisions: mean {f1.mean():+.3f}, "
                      f"sd {f1.std(ddof=1):.3f}, from {f1.min():+.3f} to {f1.max():+.3f}; cross F1 mean "
                      f"{cross.mean():+.3f}, sd {cross.std(ddof=1):.3f}, from {cross.min():+.3f} to {cross.max():+.3f}")


if __name__ == "__main__":
    main()
