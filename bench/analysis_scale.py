"""Scale benchmark of the recurrence analysis (issue 5): grouping time and peak memory at 10k/50k/100k items
with their sentence vectors cached, real embedding throughput, and a reload that embeds only new texts.

    python -m bench.analysis_scale                 # 10k, 50k, 100k; prints a table
    python -m bench.analysis_scale --sizes 10000 --compare   # also the exact path, for agreement
    python -m bench.analysis_scale --workdir /tmp/scale      # keep the corpora; later runs reuse them
    python -m bench.analysis_scale --quick         # 300 items from 100 base calls: seconds

Corpus (synthetic but built from real language and real vectors):
1. ~3,000 distinct *base calls*: the seeds' sentences plus sentences composed as actor + modal + action +
   object + qualifier from a vocabulary spread over the themes in data/themes.toml (AI standards, privacy,
   literacy, CSAM, connectivity, ...). All are embedded with the real MiniLM model; that run is also the
   embedding throughput figure.
2. Items: 1-3 sentences each (60/30/10 %), every sentence a light rewording of a base call (synonym swaps,
   an opening phrase, a changed qualifier), bases drawn with a Zipf-like popularity so a few calls recur
   hundreds of times and most a handful. Items are spread over sessions of 2006-2025.
3. The embeddings cache is pre-filled: a reworded sentence gets the normalized sum of its base call's real
   vector and small Gaussian noise (cosine ~0.93 to the base), seeded by its text, so equal texts get equal
   vectors. (Embedding 150k sentences for real would take ~15 minutes at the measured throughput.)

Each size runs ``run_analysis`` in its own process (peak RSS from resource.getrusage is per size), against
a temporary DuckDB file. The reload step adds 100 items with unseen single sentences and re-analyzes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from tracker.analysis import embeddings as emb
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent

ACTORS = ["Governments", "Technology companies", "Civil society organisations", "Schools", "Parents",
          "The United Nations", "Regulators", "Researchers", "Internet service providers", "Online platforms",
          "Ministries of education", "Law enforcement agencies", "The international community",
          "Social media companies", "Youth organisations", "Telecom operators", "Universities", "The IGF",
          "Regional organisations", "Data protection authorities", "UNICEF", "All stakeholders"]
MODALS = ["should", "must", "are urged to", "need to", "are encouraged to", "are called on to"]
ACTIONS = ["develop", "publish", "fund", "implement", "strengthen", "harmonise", "evaluate", "support", "expand",
           "adopt", "coordinate", "review", "promote", "introduce"]
OBJECTS = [
    "guidelines for age-appropriate design of online services", "digital literacy programmes for teachers",
    "cross-border cooperation on removing child sexual abuse material", "research on screen time and mental health",
    "privacy protections for the personal data of minors", "standards for AI systems used by children",
    "reporting tools for cyberbullying and harassment", "child-rights impact assessments of new products",
    "multi-stakeholder partnerships on online safety", "data collection on online harms to young people",
    "moderation of harmful and violent content", "parental controls that respect children's agency",
    "safety by design in product development", "awareness campaigns for parents and caregivers",
    "laws against online grooming and exploitation", "indicators for measuring child online safety",
    "youth participation in internet governance", "affordable connectivity for rural schools",
    "regulation of addictive design features", "knowledge sharing between regions",
    "age verification that protects privacy", "rules for data brokers handling children's data",
    "education on misinformation and critical thinking", "support services for victims of online abuse",
    "transparency reports on content moderation", "binding regulation of generative AI",
    "evidence on the effects of social media on wellbeing", "training for law enforcement on cybercrime",
    "protection of children's freedom of expression online", "safe immersive and virtual reality environments",
    "global standards for encryption and child safety", "digital skills curricula in primary schools",
    "helplines for children experiencing bullying", "open data on internet access among adolescents",
    "limits on targeted advertising to minors", "public-private partnerships against trafficking",
    "risk assessments for recommender systems", "mental health resources on gaming platforms",
    "international dialogue on AI governance", "surveys of young people's online experiences",
]
QUALIFIERS = ["", "", "", " by 2030", " in low-income countries", " with the participation of young people",
              " at national and regional level", " in cooperation with industry", " based on evidence",
              " across the Global South", " within two years", " through public-private partnerships",
              " in line with the Convention on the Rights of the Child", " for the most vulnerable groups"]
OPENERS = ["", "", "", "", "In addition, ", "Above all, ", "Moreover, ", "It was stressed that ",
           "Participants agreed that ", "Speakers noted that ", "Going forward, "]
SYNONYMS = {"develop": "create", "publish": "release", "strengthen": "reinforce", "support": "back",
            "expand": "scale up", "promote": "encourage", "guidelines": "guidance", "research": "studies",
            "children": "kids", "young people": "youth", "minors": "children", "online": "digital",
            "Governments": "States", "Technology companies": "Tech firms", "should": "ought to",
            "programmes": "initiatives", "standards": "norms", "regulation": "rules", "protections": "safeguards"}
NOISE = 0.02  # per-dimension sigma: |noise| ~ 0.39, cosine to the base ~0.93


HEADS = ["{A} should {V} {O}{Q}.", "It is recommended that {a} {V} {O}{Q}.", "There is an urgent need to {V} {O}{Q}.",
         "{A} are called upon to {V} {O}{Q}.", "We call for {a} to {V} {O}{Q}.", "Without {O}, little will change{Q}.",
         "How can {a} {V} {O}{Q}?", "Participants want {a} to {V} {O}{Q}.", "{O} remains a gap{Q}.",
         "To close the gap, {a} must {V} {O}{Q}.", "{A} could {V} {O}{Q}.", "The session asked how to {V} {O}{Q}."]
SETTINGS = ["", "", " for girls", " in humanitarian settings", " in small island states", " on messaging apps",
            " for children with disabilities", " in refugee camps", " in online gaming", " on video platforms",
            " in the metaverse", " for early childhood", " for teenagers", " in public libraries", " in Africa",
            " in Latin America", " in Asia-Pacific", " for indigenous communities", " on live-streaming services"]


def base_calls(seed_texts: list[str], count: int, rng: random.Random) -> list[str]:
    from tracker.analysis.corpus import split_sentences

    calls = list(dict.fromkeys(s for t in seed_texts for s in split_sentences(t)))
    seen = set(calls)
    while len(calls) < count:
        actor = rng.choice(ACTORS)
        text = rng.choice(HEADS).format(A=actor, a=actor[0].lower() + actor[1:] if actor[:3] != "UNI" else actor,
                                        V=rng.choice(ACTIONS), O=rng.choice(OBJECTS) + rng.choice(SETTINGS),
                                        Q=rng.choice(QUALIFIERS))
        text = text[0].upper() + text[1:]
        if text not in seen:
            seen.add(text)
            calls.append(text)
    return calls


def reword(text: str, rng: random.Random) -> str:
    words = list(SYNONYMS.items())
    rng.shuffle(words)
    for old, new in words[: rng.randint(0, 3)]:
        text = text.replace(old, new, 1)
    opener = rng.choice(OPENERS)
    if opener:
        text = opener + text[0].lower() + text[1:]
    if rng.random() < 0.2 and text.endswith("."):
        text = text[:-1] + rng.choice(QUALIFIERS[3:]) + "."
    return text


def noisy_vector(base: np.ndarray, text: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    v = base + np.random.default_rng(seed).normal(0, NOISE, base.shape).astype(np.float32)
    return v / np.linalg.norm(v)


def build_items(n: int, calls: list[str], seed: int = 0) -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    """n items; and per distinct sentence (text, base call index) for the cache."""
    rng = random.Random(seed)
    weights = 1.0 / np.arange(1, len(calls) + 1) ** 0.8
    order = list(range(len(calls)))
    rng.shuffle(order)
    cum = np.cumsum(weights[np.argsort(order)])
    rows, sentences = [], {}
    for k in range(n):
        picks = np.searchsorted(cum, np.array([rng.random() for _ in range(3)]) * cum[-1])
        count = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        parts = []
        for b in picks[:count]:
            s = reword(calls[int(b)], rng)
            sentences.setdefault(s, int(b))
            parts.append(s)
        session = k // 20
        rows.append({"item_id": f"b{k:07d}", "session_id": f"s{session:05d}", "kind": rng.choice(
            ["takeaway", "action", "action", "question"]), "text": " ".join(parts), "position": k % 20,
            "year": 2006 + session % 20, "bases": [int(b) for b in picks[:count]]})
    return pd.DataFrame(rows), list(sentences.items())


def write_store(path: Path, items: pd.DataFrame, sentences: list[tuple[str, int]], base_vectors: np.ndarray) -> None:
    from tracker.analysis.similarity import unit_texts

    store = Store(path)
    sessions = items.groupby("session_id", as_index=False)["year"].first()
    base_of = dict(sentences)
    units = sorted(set(unit_texts(items["text"].tolist())[0]))
    # a unit that is not a reworded sentence (split differently) gets its own noisy vector of base 0
    vectors = np.stack([noisy_vector(base_vectors[base_of.get(u, 0)], u) for u in units])

    def fill(con) -> None:
        now = datetime.now()
        con.register("s", sessions)
        con.execute("INSERT INTO sessions (session_id, year, title, updated_at) "
                    "SELECT session_id, year, 'bench session ' || session_id, ? FROM s", [now])
        con.register("i", items)
        con.execute("""INSERT INTO items (item_id, session_id, kind, text, section, source, position, first_seen)
                       SELECT item_id, session_id, kind, text, 'bench', 'bench', position, ? FROM i""", [now])
        for start in range(0, len(units), 20000):
            emb.insert_vectors(con, [emb.text_hash(u) for u in units[start:start + 20000]],
                               vectors[start:start + 20000])

    store.write(fill)


def run_one(db: str) -> dict:
    """In a child process: one analysis, its phase timings and the peak RSS."""
    from tracker.analysis.runs import run_analysis

    store = Store(db)
    started = time.perf_counter()
    result = run_analysis(store)
    seconds = time.perf_counter() - started
    # recommendations of 2+ calls (members and pending suggestions), and those raised in 2+ sessions
    groups, recurring = store.query("""
        SELECT count(*) AS groups, count(*) FILTER (WHERE sessions >= 2) AS recurring FROM (
            SELECT m.rec_id, count(DISTINCT i.session_id) AS sessions FROM memberships m JOIN items i USING (item_id)
            GROUP BY m.rec_id HAVING count(*) >= 2)""").iloc[0].tolist()
    return {"seconds": seconds, "embedded": result.embedded, "items": result.items,
            "groups": int(groups), "recurring": int(recurring), "timings": result.timings,
            "method": result.method.describe(),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.analysis_scale", *args], capture_output=True, text=True,
                         check=False, cwd=ROOT,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(db: str) -> dict:
    """Exact block products vs the candidate path on the same features: how alike are the groups?"""
    from sklearn.metrics import adjusted_rand_score

    from tracker.analysis import similarity as sim
    from tracker.analysis.runs import run_analysis

    captured = {}
    real = sim.cluster

    def spy(features, method, **kw):
        captured["features"], captured["method"] = features, method
        return real(features, method, **kw)

    import tracker.analysis.core as core
    core.cluster = spy
    run_analysis(Store(db))
    features, method = captured["features"], captured["method"]
    out = {}
    for name, exact in (("exact", True), ("candidates", False)):
        started = time.perf_counter()
        labels, _ = real(features, method, exact=exact)
        out[name] = (labels, time.perf_counter() - started)
    a, b = out["exact"][0], out["candidates"][0]
    # pairwise agreement: pairs grouped together by the exact path that the candidate path also groups
    same_a = _pairs(a)
    same_b = _pairs(b)
    both = len(same_a & same_b)
    return {"exact_s": out["exact"][1], "candidates_s": out["candidates"][1], "ari": adjusted_rand_score(a, b),
            "pair_recall": both / max(len(same_a), 1), "pair_precision": both / max(len(same_b), 1)}


def quality(db: Path, items: pd.DataFrame, sample: int = 200_000) -> dict:
    """Groups written by the last run against the ground truth the corpus was built from: an item's call is
    the base call of its first sentence (the call; later sentences are additions). Pairwise precision and
    recall and adjusted Rand over all item pairs (from the contingency table, no pair list), plus a
    lenient precision: of same-group pairs (sampled), the share whose items have any base call in common."""
    from sklearn.metrics import adjusted_rand_score
    from sklearn.metrics.cluster import contingency_matrix

    got = Store(db).query("SELECT item_id, rec_id AS group_id FROM memberships")  # members and suggestions
    frame = items[["item_id", "bases"]].merge(got, on="item_id")
    pred = pd.factorize(frame["group_id"].fillna(frame["item_id"]))[0]
    truth = frame["bases"].map(lambda b: b[0]).to_numpy()
    table = contingency_matrix(truth, pred, sparse=True)

    def pairs(counts: np.ndarray) -> float:
        counts = np.asarray(counts, dtype=np.float64)
        return float((counts * (counts - 1) / 2).sum())

    both = pairs(table.data)
    in_pred, in_truth = pairs(np.bincount(pred)), pairs(np.bincount(pd.factorize(truth)[0]))
    rng = np.random.default_rng(0)
    order = np.argsort(pred, kind="stable")
    sizes = np.bincount(pred)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    big = np.flatnonzero(sizes >= 2)
    lenient = float("nan")
    if len(big):  # pick groups weighted by their pair count, then two distinct members
        weight = sizes[big] * (sizes[big] - 1) / 2
        g = rng.choice(big, size=sample, p=weight / weight.sum())
        i = rng.integers(0, sizes[g])
        j = (i + rng.integers(1, sizes[g])) % sizes[g]
        a, b = order[starts[g] + i], order[starts[g] + j]
        bases = frame["bases"].map(set).tolist()
        lenient = float(np.mean([bool(bases[x] & bases[y]) for x, y in zip(a.tolist(), b.tolist(), strict=True)]))
    return {"ari": adjusted_rand_score(truth, pred), "pair_precision": both / max(in_pred, 1),
            "pair_recall": both / max(in_truth, 1), "lenient_precision": lenient,
            "largest_group": int(sizes.max()), "true_calls": int(len(np.unique(truth))),
            "groups_2plus": int((sizes >= 2).sum())}


def _pairs(labels: np.ndarray) -> set[tuple[int, int]]:
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    out: set[tuple[int, int]] = set()
    for members in np.split(order, bounds):
        if 1 < len(members) <= 2000:
            m = np.sort(members)
            i, j = np.triu_indices(len(m), 1)
            out.update(zip(m[i].tolist(), m[j].tolist(), strict=True))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--calls", type=int, default=3000, help="distinct base calls embedded for real")
    parser.add_argument("--compare", action="store_true", help="also run the exact path (slow above 20k)")
    parser.add_argument("--lexical", action="store_true", help="also time lexical mode (no model)")
    parser.add_argument("--workdir", help="keep the databases here (scale_<n>.duckdb) and reuse them when present: "
                        "one run each (the cache is complete), no reload step")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-compare", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="300 items from 100 base calls: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.calls = "300", 100
    if args.child:
        print(json.dumps(run_one(args.child)))
        return
    if args.child_compare:
        print(json.dumps(compare(args.child_compare)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    state = emb.get_embedder()
    if state.embedder is None:
        sys.exit(f"the embedding model is needed: {state.reason}")
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    from tracker.store.loading import load_paths

    with tempfile.TemporaryDirectory() as tmp:
        seed_store = Store(Path(tmp) / "seeds.duckdb")
        load_paths([ROOT / "seeds"], seed_store)
        seed_texts = seed_store.query("SELECT text FROM items ORDER BY item_id")["text"].tolist()
    del seeds
    calls = base_calls(seed_texts, args.calls, random.Random(1))
    state.embedder.encode(calls[:64])  # warm-up
    started = time.perf_counter()
    base_vectors = state.embedder.encode(calls)
    embed_s = time.perf_counter() - started
    print(f"embedding throughput: {len(calls)} real sentences in {embed_s:.1f} s = {len(calls) / embed_s:.0f} "
          f"sentences/s (2 threads, int8 ONNX)", flush=True)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        items, sentences = build_items(max(sizes) + 100, calls)  # the first n items do not depend on the total
        extra = items.iloc[max(sizes):].copy()
        for n in sizes:
            db = Path(args.workdir or tmp) / f"scale_{n}.duckdb"
            part = items.iloc[:n]
            reused = db.exists()
            if not reused:
                started = time.perf_counter()
                write_store(db, part, sentences, base_vectors)
                units = sum(t.count(". ") + 1 for t in part["text"])
                print(f"{n} items (~{units} sentences): store built in {time.perf_counter() - started:.0f} s",
                      flush=True)
            first = child(["--child", str(db)])
            # the cache is complete now (or already was, in a reused database): the steady state
            second = first if reused else child(["--child", str(db)])
            second["quality"] = quality(db, part)
            row = {"items": n, **{k: second[k] for k in ("seconds", "peak_rss_mb", "groups", "recurring")},
                   "first_embedded": first["embedded"], "second_embedded": second["embedded"],
                   "timings": second["timings"], "method": second["method"], "quality": second["quality"]}
            if args.lexical:
                os.environ["TRACKER_EMBEDDINGS"] = "off"
                lex = child(["--child", str(db)])
                del os.environ["TRACKER_EMBEDDINGS"]
                row |= {"lexical_s": lex["seconds"], "lexical_rss_mb": lex["peak_rss_mb"],
                        "lexical_timings": lex["timings"], "lexical_quality": quality(db, part)}
            if args.compare and n <= 20000:  # the exact path takes minutes above that
                row["compare"] = child(["--child-compare", str(db)])
            if n == max(sizes) and not args.workdir:  # reload: 100 new items with sentences never seen
                fresh = extra.copy()
                fresh["text"] = [f"Delegates of bench round {k} asked {rng_obj}." for k, rng_obj in
                                 enumerate(random.Random(7).choices(OBJECTS, k=len(fresh)))]
                fresh["item_id"] = [f"n{k:07d}" for k in range(len(fresh))]
                fresh["session_id"] = "s99999"
                def add(con, f=fresh) -> None:
                    con.register("f", f)
                    con.execute("INSERT INTO sessions (session_id, year, title) VALUES ('s99999', 2026, 'new')")
                    con.execute("""INSERT INTO items (item_id, session_id, kind, text, section, source, position,
                                   first_seen) SELECT item_id, session_id, kind, text, 'bench', 'bench', position,
                                   now() FROM f""")

                Store(db).write(add)
                reload = child(["--child", str(db)])
                row["reload"] = {"new_items": len(fresh), "embedded": reload["embedded"],
                                 "seconds": reload["seconds"]}
            rows.append(row)
            print(json.dumps(row), flush=True)
            if not args.workdir:
                db.unlink()

    print("\n| items | grouping run (s) | of which placing (s) | peak RSS (MB) | groups of 2+ | embedded "
          "(1st / 2nd run) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['items']:,} | {r['seconds']:.1f} | {r['timings'].get('place', float('nan')):.1f} | "
              f"{r['peak_rss_mb']:.0f} | {r['groups']:,} | {r['first_embedded']:,} / {r['second_embedded']} |")
    for r in rows:
        print(f"{r['items']} phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in r["timings"].items()))
        if "lexical_s" in r:
            print(f"{r['items']} lexical: {r['lexical_s']:.1f} s, {r['lexical_rss_mb']:.0f} MB; "
                  + ", ".join(f"{k} {v:.1f}s" for k, v in r["lexical_timings"].items()))
        for key, name in (("quality", "semantic"), ("lexical_quality", "lexical")):
            if key in r:
                q = r[key]
                print(f"{r['items']} {name} groups vs ground truth (first sentence's base call, {q['true_calls']:,} "
                      f"calls): ARI {q['ari']:.3f}, pair precision {q['pair_precision']:.3f}, pair recall "
                      f"{q['pair_recall']:.3f}, lenient precision {q['lenient_precision']:.3f}; "
                      f"{q['groups_2plus']:,} groups of 2+, largest {q['largest_group']:,}")
        if "compare" in r:
            c = r["compare"]
            print(f"{r['items']} exact vs candidates: {c['exact_s']:.1f} s vs {c['candidates_s']:.1f} s, "
                  f"ARI {c['ari']:.3f}, pairs of the exact groups kept {c['pair_recall']:.3f}, "
                  f"candidate-path pairs also exact {c['pair_precision']:.3f}")
        if "reload" in r:
            print(f"reload after adding {r['reload']['new_items']} items: {r['reload']['embedded']} sentences "
                  f"embedded, {r['reload']['seconds']:.1f} s")
    print(f"embedding throughput: {len(calls) / embed_s:.0f} sentences/s ({len(calls)} real sentences)")


if __name__ == "__main__":
    main()
