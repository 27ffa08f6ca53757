"""Evaluate (and with --fit, tune) chatbot retrieval on proxy sets built from the corpora we have.

Sets (none of them is the held-back English pair set, which we never look for):

* EN  — ``bench/chatbot/paraphrases_en.csv``: 203 user-style English paraphrases of
  ``faq_covidbert.csv`` questions written for this project (kb_row = 0-based row of the KB);
  gold = that row and any row with the same question text (the KB repeats some questions).
* DE  — the German pairs ``eval_question_similarity_de.csv``: each similar pair's ``question_2`` is a
  user question, ``question_1`` an FAQ question; KB = German ``faq_200327.tsv`` rows plus the
  pair questions it lacks. Same task as the held-out one, in German.
* KO  — ``src/epiaid/chatbot/data/paraphrases_ko.csv`` against ``faq_ko.csv`` (hand-written).
* Pairs — DE pairs as labelled; EN pairs = (paraphrase, gold question) positives and
  (paraphrase, a random other KB question) negatives, 1:1.

Every set is split by gold entry (a hash of its id) into ``tune`` and ``test`` halves: fusion
weights, the calibration and every threshold are chosen on ``tune`` only; ``test`` is the headline.
"Gold gone" removes every gold row from the KB's scores (the entries tied with it too) and asks
whether the system abstains.

    .venv/bin/python scripts/chatbot_eval.py              # report (uses the shipped calibration)
    .venv/bin/python scripts/chatbot_eval.py --fit        # refit on tune, write calibration.json, report
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from epiaid.chatbot.engine import retrieval as R  # noqa: E402
from epiaid.chatbot.engine import text as T  # noqa: E402
from epiaid.chatbot.engine.io import read_kb  # noqa: E402

csv.field_size_limit(2**31 - 1)
DATA = ROOT.parent / "shared" / "data" / "chat"


def norm(s: str) -> str:
    return re.sub(r"\W+", " ", str(s).lower()).strip()


def split_of(key: str) -> str:
    return "tune" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 == 0 else "test"


@dataclass
class Task:
    name: str
    entries: list[R.Entry]
    queries: list[str]
    gold: list[set[int]]  # indices into entries
    split: list[str]
    sig: list[dict[str, np.ndarray]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    out_of_scope: list[str] = field(default_factory=list)


def _gold_sets(entries: list[R.Entry], rows: list[int]) -> list[set[int]]:
    by_q: dict[str, set[int]] = {}
    for i, e in enumerate(entries):
        by_q.setdefault(norm(e.question), set()).add(i)
    return [by_q[norm(entries[r].question)] | {r} for r in rows]


def task_en(data: Path) -> Task:
    entries = read_kb(data / "deepset_covid_qa" / "faq_covidbert.csv")
    with (ROOT / "bench" / "chatbot" / "paraphrases_en.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    gold = _gold_sets(entries, [int(r["kb_row"]) for r in rows])
    return Task("EN", entries, [r["paraphrase"] for r in rows], gold, [split_of("en" + str(min(g))) for g in gold])


def task_de(data: Path) -> Task:
    with (data / "deepset_covid_qa" / "faq_200327.tsv").open(encoding="utf-8") as fh:
        faq = [r for r in csv.DictReader(fh, delimiter="\t") if r["lang"] == "de"]
    with (data / "deepset_covid_qa" / "eval_question_similarity_de.csv").open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    entries = [R.Entry(str(i), r["question"], r["answer"], lang="en") for i, r in enumerate(faq)]
    known = {norm(e.question): i for i, e in enumerate(entries)}
    for p in pairs:
        if norm(p["question_1"]) not in known:
            known[norm(p["question_1"])] = len(entries)
            entries.append(R.Entry(str(len(entries)), p["question_1"], "", lang="en"))
    pos = [p for p in pairs if p["similar"] == "1"]
    gold = _gold_sets(entries, [known[norm(p["question_1"])] for p in pos])
    return Task(
        "DE", entries, [p["question_2"] for p in pos], gold, [split_of("de" + norm(p["question_1"])) for p in pos]
    )


def task_ko() -> Task | None:
    kb = ROOT / "src" / "epiaid" / "chatbot" / "data" / "faq_ko.csv"
    para = ROOT / "src" / "epiaid" / "chatbot" / "data" / "paraphrases_ko.csv"
    if not kb.exists() or not para.exists():
        return None
    entries = read_kb(kb)
    idx = {e.id: i for i, e in enumerate(entries)}
    with para.open(encoding="utf-8") as fh:
        all_rows = list(csv.DictReader(fh))
    rows = [r for r in all_rows if r.get("gold_id") in idx]
    gold = [{idx[r["gold_id"]]} for r in rows]
    task = Task("KO", entries, [r["question"] for r in rows], gold, [split_of("ko" + r["gold_id"]) for r in rows])
    task.kinds = [r.get("kind", "") for r in rows]
    task.out_of_scope = [r["question"] for r in all_rows if not r.get("gold_id")]
    return task


def ko_extra(task: Task, cal: R.Calibration, embedder: str | None) -> None:
    """Top-1 by kind of question (typos, jamo noise, mixed languages …) and abstention on the
    out-of-scope questions of the Korean set (neither is tuned on)."""
    system = fused(cal)
    by_kind: dict[str, list[bool]] = {}
    for sig, gold, kind in zip(task.sig, task.gold, task.kinds, strict=True):
        s, _ = system(sig)
        by_kind.setdefault(kind, []).append(int(np.argmax(s)) in gold)
    print(
        "KO top-1 by kind (tune+test): "
        + ", ".join(f"{k} {np.mean(v):.2f} (n={len(v)})" for k, v in sorted(by_kind.items()))
    )
    if task.out_of_scope:
        retr = R.Retriever(task.entries, calibration=cal, embedder=embedder)
        abstained = [retr.search(q).abstain for q in task.out_of_scope]
        print(f"KO out-of-scope questions abstained: {np.mean(abstained):.1%} (n={len(abstained)})")


def compute_signals(task: Task, embedder: str | None) -> float:
    retr = R.Retriever(task.entries, embedder=embedder)
    t0 = time.perf_counter()
    task.sig = [retr.signals(T.clean(q)) for q in task.queries]
    return (time.perf_counter() - t0) / max(len(task.queries), 1)


# --- systems -------------------------------------------------------------------------------------
# A system maps one message's signals to (a ranking score per entry, the confidence of its top hit).


def single(name: str):  # type: ignore[no-untyped-def]
    def run(sig: dict[str, np.ndarray]) -> tuple[np.ndarray, float]:
        v = np.asarray(sig[name], dtype=np.float64)
        return v, float(v.max())

    return run


def fused(cal: R.Calibration):  # type: ignore[no-untyped-def]
    def run(sig: dict[str, np.ndarray]) -> tuple[np.ndarray, float]:
        z = cal.logits(sig)
        order = np.argsort(-z, kind="stable")[:1]
        return z, float(cal.probabilities(sig, z, order)[0])

    return run


def _drop(sig: dict[str, np.ndarray], gold: set[int]) -> dict[str, np.ndarray]:
    keep = np.array([i for i in range(len(next(iter(sig.values())))) if i not in gold])
    return {k: v[keep] for k, v in sig.items()}


def _rows(tasks: list[Task], split: str):  # type: ignore[no-untyped-def]
    for t in tasks:
        for sig, gold, sp in zip(t.sig, t.gold, t.split, strict=True):
            if split == "all" or sp == split:
                yield t, sig, gold


def evaluate(tasks: list[Task], split: str, system, threshold: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    top1 = mrr = answered = gone_abstained = 0.0
    n = 0
    for _, sig, gold in _rows(tasks, split):
        n += 1
        s, conf = system(sig)
        order = np.argsort(-s, kind="stable")
        ranks = [r for r, i in enumerate(order[:10]) if i in gold]
        top1 += bool(ranks and ranks[0] == 0)
        mrr += 1.0 / (ranks[0] + 1) if ranks else 0.0
        answered += conf >= threshold
        gone_abstained += system(_drop(sig, gold))[1] < threshold
    n = max(n, 1)
    return {"n": n, "top1": top1 / n, "mrr10": mrr / n, "answered": answered / n, "abstain_gone": gone_abstained / n}


def best_threshold(tasks: list[Task], system) -> float:  # type: ignore[no-untyped-def]
    """Threshold maximising answered + abstained-when-gone on the tune split."""
    pos = np.array([system(sig)[1] for _, sig, _ in _rows(tasks, "tune")])
    neg = np.array([system(_drop(sig, gold))[1] for _, sig, gold in _rows(tasks, "tune")])
    best, best_v = 0.5, -1.0
    for c in np.unique(np.concatenate([pos, neg])):
        v = (pos >= c).mean() + (neg < c).mean()
        if v > best_v:
            best, best_v = float(c), v
    return best


# --- fitting ---------------------------------------------------------------------------------------


def fit(
    tasks: list[Task],
    weights: dict[str, float],
    embedder_name: str,
    l2: float,
    cal_c: float = 1.0,
    cal_skip: frozenset[str] = frozenset({"z", "share"}),
    cal_target: str = "answerable",
) -> R.Calibration:
    """Listwise ranking weights (softmax over each message's candidates, L2), then a logistic
    calibration of the top hit on messages with and without their gold entry."""
    from scipy.optimize import minimize
    from sklearn.linear_model import LogisticRegression

    data = []
    names: list[str] = []
    for t, sig, gold in _rows(tasks, "tune"):
        cols = R.feature_columns(sig)
        names = names or list(cols)
        x = np.stack([cols[k] for k in names], axis=1)
        data.append((x, np.array(sorted(gold)), weights.get(t.name, 1.0)))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * float(w @ w), 2 * l2 * w
        for x, g, tw in data:
            z = x @ w
            m = z.max()
            p = np.exp(z - m)
            p /= p.sum()
            zg = z[g]
            mg = zg.max()
            pg = np.exp(zg - mg)
            pg /= pg.sum()
            total += tw * ((m + np.log(np.exp(z - m).sum())) - (mg + np.log(np.exp(zg - mg).sum())))
            grad += tw * (p @ x - pg @ x[g])
        return total, grad

    res = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B")
    ranking = R.Calibration(weights={k: round(float(v), 5) for k, v in zip(names, res.x, strict=True)})

    feats, labels, sw = [], [], []
    cal_names: list[str] = []
    for t, sig, gold in _rows(tasks, "tune"):
        for sg, g in ((sig, gold), (_drop(sig, gold), set())):
            z = ranking.logits(sg)
            order = np.argsort(-z, kind="stable")[:1]
            hf = ranking.hit_features(sg, z, order)
            cal_names = cal_names or [k for k in hf if k not in cal_skip]
            feats.append([float(hf[k][0]) for k in cal_names])
            if cal_target == "answerable" and g and order[0] not in g:
                feats.pop()
                continue  # a wrong top hit with the answer present: neither answer nor abstain taught
            labels.append(int(order[0] in g) if cal_target == "correct" else int(bool(g)))
            sw.append(weights.get(t.name, 1.0))
    X = np.array(feats)
    mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-9
    lr = LogisticRegression(C=cal_c, max_iter=5000).fit((X - mu) / sd, np.array(labels), sample_weight=np.array(sw))
    coef = lr.coef_[0] / sd  # back to the raw features' scale
    cal_w = {k: round(float(v), 5) for k, v in zip(cal_names, coef, strict=True)}
    cal_w["bias"] = round(float(lr.intercept_[0] - (coef * mu).sum()), 5)
    cal = R.Calibration(ranking.weights, cal_w, 0.5, embedder_name)
    th = best_threshold(tasks, fused(cal))
    return R.Calibration(cal.weights, cal.cal, round(th, 5), embedder_name)


# --- pairs -------------------------------------------------------------------------------------------


def auc(labels: list[int], scores: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def pair_sets(data: Path, en: Task) -> dict[str, list[tuple[str, str, int, str]]]:
    with (data / "deepset_covid_qa" / "eval_question_similarity_de.csv").open(encoding="utf-8") as fh:
        de = [
            (p["question_1"], p["question_2"], int(p["similar"]), split_of("de" + norm(p["question_1"])))
            for p in csv.DictReader(fh)
        ]
    rng = random.Random(13)
    en_pairs = []
    for q, gold, sp in zip(en.queries, en.gold, en.split, strict=True):
        g = min(gold)
        en_pairs.append((en.entries[g].question, q, 1, sp))
        other = rng.choice([i for i in range(len(en.entries)) if i not in gold])
        en_pairs.append((en.entries[other].question, q, 0, sp))
    return {"DE pairs": de, "EN pairs": en_pairs}


def pair_report(
    pairs: list[tuple[str, str, int, str]], embedder: str | None, comps_out: dict[str, dict[str, list[float]]], key: str
) -> dict[str, dict[str, float]]:
    texts = list(dict.fromkeys(t for a, b, _, _ in pairs for t in (a, b)))
    retr = R.Retriever([R.Entry(str(i), t, "") for i, t in enumerate(texts)], embedder=embedder)
    out: dict[str, dict[str, float]] = {}
    char_vec = retr._questions.char
    comps: dict[str, list[float]] = {"char": [], "words": [], "sem": [], "fused": []}
    for a, b, _, _ in pairs:
        ca, cb = T.clean(a), T.clean(b)
        v = char_vec.transform([T.char_view(ca), T.char_view(cb)])
        comps["char"].append(float((v[0] @ v[1].T).toarray()[0, 0]))
        ta, tb = (set(t) for t in T.tokens_many([ca, cb]))
        comps["words"].append(len(ta & tb) / len(ta | tb) if ta | tb else 0.0)
        for k, emb in enumerate(retr.embedders):
            va, vb = emb.encode([ca, cb], kind="query")
            comps.setdefault("sem" if k == 0 else f"sem{k + 1}", []).append(float(va @ vb))
        comps["fused"].append(retr.similarity(a, b))
    for split in ("tune", "test"):
        idx = [i for i, p in enumerate(pairs) if p[3] == split]
        labels = [pairs[i][2] for i in idx]
        out[split] = {k: auc(labels, [v[i] for i in idx]) for k, v in comps.items() if v}
    comps_out[key] = comps
    return out


def blend_search(
    pair_sets_: dict[str, list[tuple[str, str, int, str]]], comps: dict[str, dict[str, list[float]]]
) -> None:
    """The similarity blend maximising the mean tune ROC-AUC over the pair sets; its test AUC."""
    import itertools

    grid = {"char": [0, 0.25, 0.5, 1], "words": [0, 0.2, 0.5], "sem": [1.0], "sem2": [0, 0.25, 0.5, 1]}
    best: tuple[float, dict[str, float]] = (-1.0, {})
    for combo in itertools.product(*grid.values()):
        w = dict(zip(grid, combo, strict=True))
        vals = []
        for name, pairs in pair_sets_.items():
            c = comps[name]
            idx = [i for i, p in enumerate(pairs) if p[3] == "tune"]
            sc = [sum(w[k] * c[k][i] for k in w if c.get(k)) for i in idx]
            vals.append(auc([pairs[i][2] for i in idx], sc))
        if np.mean(vals) > best[0]:
            best = (float(np.mean(vals)), w)
    w = best[1]
    tests = []
    for name, pairs in pair_sets_.items():
        c = comps[name]
        idx = [i for i, p in enumerate(pairs) if p[3] == "test"]
        tests.append(
            f"{name} {auc([pairs[i][2] for i in idx], [sum(w[k] * c[k][i] for k in w if c.get(k)) for i in idx]):.4f}"
        )
    print(f"best similarity blend on tune: {w} (mean tune AUC {best[0]:.4f}); test: " + ", ".join(tests))
    # the blend as a probability (monotone: AUC unchanged), fitted on the tune pairs of both sets
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for name, pairs in pair_sets_.items():
        c = comps[name]
        total = sum(w[k] for k in w if c.get(k))
        for i, p in enumerate(pairs):
            if p[3] == "tune":
                xs.append([sum(w[k] * c[k][i] for k in w if c.get(k)) / total])
                ys.append(p[2])
    lr = LogisticRegression(C=100.0).fit(np.array(xs), np.array(ys))
    print(f"similarity probability: sigmoid({lr.coef_[0][0]:.4f} * blend + {lr.intercept_[0]:.4f})")


# --- main --------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--model", default=None, help="embedders: e5, use, e5+use, none (default: the engine's)")
    ap.add_argument("--fit", action="store_true", help="refit the calibration on tune and save it")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the ranking fit")
    ap.add_argument(
        "--cal-target",
        default="answerable",
        choices=["correct", "present", "answerable"],
        help="calibrate P(top hit is right), P(the answer is in the KB at all), or right vs absent only",
    )
    ap.add_argument("--cal-c", type=float, default=1.0, help="inverse L2 of the calibration's logistic fit")
    ap.add_argument("--tune-on", default="EN:1,KO:1,DE:0.3", help="sets (and their weights) to tune on")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    ap.add_argument("--cache", type=Path, help="folder to keep the signals in between runs (tuning)")
    ap.add_argument("--no-pairs", action="store_true", help="skip the pair ROC-AUC")
    args = ap.parse_args()
    if not (args.data / "deepset_covid_qa" / "faq_covidbert.csv").exists():
        sys.exit(f"no corpora under {args.data} (../shared/data/chat)")

    tasks = [task_en(args.data), task_de(args.data)]
    ko = task_ko()
    secs: dict[str, float] = {}
    cache = args.cache / f"signals-{args.model or 'default'}.pkl" if args.cache else None
    if cache and cache.exists():
        import pickle

        stored_sig = pickle.loads(cache.read_bytes())  # noqa: S301 - our own file from an earlier run
        for t in [*tasks, *([ko] if ko else [])]:
            t.sig = stored_sig[t.name]
    if not all(len(t.sig) == len(t.queries) for t in [*tasks, *([ko] if ko else [])]):
        secs = {t.name: compute_signals(t, args.model) for t in tasks}
        if ko:
            secs["KO"] = compute_signals(ko, args.model)
        if cache:
            import pickle

            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(pickle.dumps({t.name: t.sig for t in [*tasks, *([ko] if ko else [])]}))
    ename = R.Retriever([], embedder=args.model).embedder_name
    print(
        f"embedder: {ename}; signal time per query (ms): " + ", ".join(f"{k} {v * 1000:.1f}" for k, v in secs.items())
    )

    all_tasks = [*tasks, *([ko] if ko else [])]
    tune_w = {k: float(v) for k, v in (x.split(":") for x in args.tune_on.split(","))}
    tune_tasks = [t for t in all_tasks if t.name in tune_w]
    if args.fit:
        cal = fit(tune_tasks, tune_w, ename, args.l2, args.cal_c, cal_target=args.cal_target)
        path = Path(R.__file__).with_name("calibration.json")
        stored = json.loads(path.read_text()) if path.exists() else {}
        stored[ename] = cal.as_dict()
        path.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
        print(f"fitted on tune and saved to {path.name}: {json.dumps(stored[ename])}")
    else:
        cal = R.load_calibration(ename)

    systems = {
        "BM25 (questions)": single("bm25_q"),
        "char TF-IDF": single("char_q"),
    }
    if ename != "none":
        systems[f"embedding ({ename.split('+')[0]})"] = single("sem_q")
    systems["fused + calibrated"] = fused(cal)
    results: dict[str, object] = {"embedder": ename}
    header = (
        f"{'set':<4} {'split':<5} {'system':<34} {'n':>4} {'top1':>6} {'MRR10':>6} {'answered':>9} {'abst|gone':>9}"
    )
    print(header)
    for name, sysf in systems.items():
        th = cal.threshold if name.startswith("fused") else best_threshold(tune_tasks, sysf)
        for t in all_tasks:
            for split in ("tune", "test"):
                m = evaluate([t], split, sysf, th)
                results[f"{t.name}/{split}/{name}"] = m
                print(
                    f"{t.name:<4} {split:<5} {name:<34} {m['n']:>4.0f} {m['top1']:>6.3f} {m['mrr10']:>6.3f}"
                    f" {m['answered']:>9.1%} {m['abstain_gone']:>9.1%}"
                )
    if ko:
        ko_extra(ko, cal, args.model)
    psets = {} if args.no_pairs else pair_sets(args.data, tasks[0])
    comps: dict[str, dict[str, list[float]]] = {}
    for pname, pairs in psets.items():
        rep = pair_report(pairs, args.model, comps, pname)
        for split, aucs in rep.items():
            results[f"{pname}/{split}/auc"] = aucs
            print(f"{pname:<9} {split:<5} ROC-AUC " + "  ".join(f"{k} {v:.4f}" for k, v in aucs.items()))
    if psets and args.fit:
        blend_search(psets, comps)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
