"""Backward tracing: rank the likely infectors of a confirmed case.

A candidate's score combines route co-location (same place, same or adjacent day), how the
confirmation and onset dates line up with an incubation period, shared region and cluster, the
local case-number sequence, and how infectious the candidate was (reported contacts, known
secondary cases). The weights come from a gradient-boosted classifier trained on the known
transmission links of DS4C; evaluation is grouped by case (no case's own link ever trains the model
that ranks it).

DS4C columns used: ``PatientInfo`` (patient_id, province, city, infection_case, infected_by,
contact_number, symptom_onset_date, confirmed_date) and ``PatientRoute`` (patient_id, date,
latitude, longitude). Routes have dates but no times, so "overlap in time" here means same day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from epiaid.investigation.engine.kernels import R

GENERIC_CASES = {"contact with patient", "etc", "overseas inflow", ""}
FEATURES: list[str] = [
    "dconf",
    "abs_dconf",
    "donset",
    "has_donset",
    "same_province",
    "same_city",
    "same_cluster",
    "cand_overseas",
    "cand_contacts",
    "cand_known_infectees",
    "same_prefix",
    "id_gap",
    "id_before",
    "min_d_same_day",
    "min_d_adj_day",
    "min_d_any",
    "n_100m_same_day",
    "n_1km_same_day",
    "n_100m_any",
    "cand_is_infectee_of_case",
    "shared_infector",
    "case_routes",
    "cand_routes",
]
CANDIDATE_WINDOW_DAYS = (-7, 30)  # case confirmed this many days after the candidate
NO_DISTANCE = 1e6


@dataclass
class DS4C:
    patients: pd.DataFrame
    routes: pd.DataFrame

    @classmethod
    def load(cls, root: Path | str) -> DS4C:
        root = Path(root)
        for name in ("PatientInfo.csv", "PatientRoute.csv"):
            if not (root / name).is_file():
                raise FileNotFoundError(f"{root / name} is missing: --ds4c must be the DS4C dataset folder")
        p = pd.read_csv(
            root / "PatientInfo.csv",
            dtype={"patient_id": str, "infected_by": str},
            keep_default_na=False,
            na_values=[""],
        )
        r = pd.read_csv(root / "PatientRoute.csv", dtype={"patient_id": str})
        for col in ("confirmed_date", "symptom_onset_date"):
            p[col] = pd.to_datetime(p[col], errors="coerce")
        p["infection_case"] = p["infection_case"].fillna("")
        p["infected_by"] = p["infected_by"].fillna("").str.strip()
        r["date"] = pd.to_datetime(r["date"], errors="coerce")
        r = r.dropna(subset=["date", "latitude", "longitude"])
        return cls(p.set_index("patient_id", drop=False), r)

    def with_routes(self) -> set[str]:
        return set(self.routes["patient_id"])

    def known_links(self) -> pd.DataFrame:
        """Visible links whose two sides both have routes (the evaluation set)."""
        rp = self.with_routes()
        p = self.patients
        k = p[(p["infected_by"] != "") & p["patient_id"].isin(rp) & p["infected_by"].isin(rp)]
        return k[["patient_id", "infected_by"]].reset_index(drop=True)

    def blank_targets(self) -> list[str]:
        """Cases with routes, no recorded infector, infected by "contact with patient"."""
        p = self.patients
        mask = (
            (p["infected_by"] == "")
            & p["patient_id"].isin(self.with_routes())
            & (p["infection_case"].str.contains("contact with patient", case=False))
        )
        return list(p.loc[mask, "patient_id"])


def _infectee_counts(patients: pd.DataFrame) -> pd.Series:
    return patients.loc[patients["infected_by"] != "", "infected_by"].value_counts()


def candidate_features(data: DS4C, cases: Iterable[str]) -> pd.DataFrame:
    """One row per (case, candidate) with :data:`FEATURES`; ``label`` is 1 for the recorded infector.

    Candidates are people with routes confirmed between 7 days after and 30 days before the case.
    A case's own recorded infector never informs its features ("known infectees" leaves it out).
    """
    p = data.patients
    rp = np.array(sorted(data.with_routes()))
    info = p.loc[rp]
    conf = info["confirmed_date"].to_numpy("datetime64[D]")
    onset = info["symptom_onset_date"].to_numpy("datetime64[D]")
    idnum = pd.to_numeric(info["patient_id"], errors="coerce").to_numpy(float)
    infectees = _infectee_counts(p)
    routes = data.routes
    r_pid = routes["patient_id"].to_numpy()
    r_lat = np.radians(routes["latitude"].to_numpy(float))
    r_lon = np.radians(routes["longitude"].to_numpy(float))
    r_day = routes["date"].to_numpy("datetime64[D]")
    pos = {pid: i for i, pid in enumerate(rp)}
    r_code = np.array([pos[x] for x in r_pid], dtype=np.int64)
    route_count = routes["patient_id"].value_counts()
    rows: list[pd.DataFrame] = []
    for case in cases:
        if case not in p.index:
            continue
        c = p.loc[case]
        c_conf = np.datetime64(c["confirmed_date"], "D") if pd.notna(c["confirmed_date"]) else None
        if c_conf is None:
            continue
        dconf = (c_conf - conf).astype("timedelta64[D]").astype(float)
        ok = (dconf >= CANDIDATE_WINDOW_DAYS[0]) & (dconf <= CANDIDATE_WINDOW_DAYS[1]) & (rp != case)
        cand = rp[ok]
        if len(cand) == 0:
            continue
        ci = np.array([pos[x] for x in cand])
        f: dict[str, Any] = {"case": np.full(len(cand), case, dtype=object), "candidate": cand}
        f["dconf"] = dconf[ok]
        f["abs_dconf"] = np.abs(f["dconf"])
        c_on = np.datetime64(c["symptom_onset_date"], "D") if pd.notna(c["symptom_onset_date"]) else None
        don = (
            (c_on - onset[ci]).astype("timedelta64[D]").astype(float) if c_on is not None else np.full(len(ci), np.nan)
        )
        f["has_donset"] = (~np.isnan(don)).astype(float)
        f["donset"] = np.nan_to_num(don, nan=0.0)
        cinfo = info.iloc[ci]
        f["same_province"] = (cinfo["province"].to_numpy() == c["province"]).astype(float)
        f["same_city"] = (cinfo["city"].to_numpy() == c["city"]).astype(float)
        cluster = c["infection_case"]
        f["same_cluster"] = ((cinfo["infection_case"].to_numpy() == cluster) & (cluster not in GENERIC_CASES)).astype(
            float
        )
        f["cand_overseas"] = (cinfo["infection_case"].to_numpy() == "overseas inflow").astype(float)
        cn = pd.to_numeric(cinfo["contact_number"], errors="coerce").to_numpy(float)
        f["cand_contacts"] = np.log1p(np.nan_to_num(cn, nan=-0.5).clip(-0.5))
        known = infectees.reindex(cand).fillna(0).to_numpy(float)
        if c["infected_by"]:
            known = known - (cand == c["infected_by"])
        f["cand_known_infectees"] = np.log1p(known)
        same_prefix = np.array([x[:4] == case[:4] for x in cand])
        gap = np.abs(idnum[pos[case]] - idnum[ci])
        f["same_prefix"] = same_prefix.astype(float)
        f["id_gap"] = np.where(same_prefix, np.log1p(gap), 25.0)
        f["id_before"] = (idnum[ci] < idnum[pos[case]]).astype(float)
        f["cand_is_infectee_of_case"] = (cinfo["infected_by"].to_numpy() == case).astype(float)
        f["shared_infector"] = 0.0  # the case's own infector is what we look for: never used
        # route co-location
        cm = r_pid == case
        f["case_routes"] = float(cm.sum())
        f["cand_routes"] = route_count.reindex(cand).fillna(0).to_numpy(float)
        min_same, min_adj, min_any, n100, n1k, n100any = _route_colocation(
            cm, ok[r_code], r_code, r_lat, r_lon, r_day, len(rp)
        )
        min_same, min_adj, min_any = min_same[ci], min_adj[ci], min_any[ci]
        n100, n1k, n100any = n100[ci], n1k[ci], n100any[ci]
        f["min_d_same_day"] = np.log10(min_same + 1)
        f["min_d_adj_day"] = np.log10(min_adj + 1)
        f["min_d_any"] = np.log10(min_any + 1)
        f["n_100m_same_day"] = n100
        f["n_1km_same_day"] = n1k
        f["n_100m_any"] = n100any
        f["label"] = (cand == c["infected_by"]).astype(int) if c["infected_by"] else 0
        rows.append(pd.DataFrame(f))
    if not rows:
        return pd.DataFrame(columns=["case", "candidate", *FEATURES, "label"])
    return pd.concat(rows, ignore_index=True)


def _route_colocation(
    case_mask: np.ndarray,
    other_mask: np.ndarray,
    r_code: np.ndarray,
    r_lat: np.ndarray,
    r_lon: np.ndarray,
    r_day: np.ndarray,
    n_people: int,
) -> tuple[np.ndarray, ...]:
    """Per person (indexed like the route owners): closest same-day / ±1-day / any-day distance
    to the case's route points, and counts of same-day points within 100 m and 1 km."""
    min_same = np.full(n_people, NO_DISTANCE)
    min_adj = np.full(n_people, NO_DISTANCE)
    min_any = np.full(n_people, NO_DISTANCE)
    n100 = np.zeros(n_people)
    n1k = np.zeros(n_people)
    n100any = np.zeros(n_people)
    if not case_mask.any():
        return min_same, min_adj, min_any, n100, n1k, n100any
    o_idx = np.flatnonzero(other_mask & ~case_mask)
    cl, co, cday = r_lat[case_mask][:, None], r_lon[case_mask][:, None], r_day[case_mask][:, None]
    ol, oo, oday = r_lat[o_idx][None, :], r_lon[o_idx][None, :], r_day[o_idx][None, :]
    a = np.sin((ol - cl) / 2) ** 2 + np.cos(cl) * np.cos(ol) * np.sin((oo - co) / 2) ** 2
    d = 2 * R * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    dd = np.abs((cday - oday).astype("timedelta64[D]").astype(float))
    who = np.broadcast_to(r_code[o_idx][None, :], d.shape).ravel()
    d, dd = d.ravel(), dd.ravel()
    np.minimum.at(min_same, who, np.where(dd == 0, d, NO_DISTANCE))
    np.minimum.at(min_adj, who, np.where(dd <= 1, d, NO_DISTANCE))
    np.minimum.at(min_any, who, d)
    np.add.at(n100, who, ((dd == 0) & (d <= 100)).astype(float))
    np.add.at(n1k, who, ((dd == 0) & (d <= 1000)).astype(float))
    np.add.at(n100any, who, (d <= 100).astype(float))
    return min_same, min_adj, min_any, n100, n1k, n100any


def naive_scores(features: pd.DataFrame) -> np.ndarray:
    """The anchor rule: same day within 100 m, ties broken by the closest same-day distance."""
    return features["n_100m_same_day"].to_numpy() * 1e3 - features["min_d_same_day"].to_numpy()


ModelFactory = Callable[[], object]


def default_model() -> object:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0, random_state=0
    )


def fit(features: pd.DataFrame, model_factory: ModelFactory = default_model) -> object:
    """Train on one thread: OpenMP spinning on a shared, busy machine made fitting 20× slower."""
    from threadpoolctl import threadpool_limits

    model = model_factory()
    with threadpool_limits(1):
        model.fit(features[FEATURES].to_numpy(float), features["label"].to_numpy())  # type: ignore[attr-defined]
    return model


def score(model: object, features: pd.DataFrame) -> np.ndarray:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return np.asarray(model.predict_proba(features[FEATURES].to_numpy(float))[:, 1])  # type: ignore[attr-defined]


def rank(features: pd.DataFrame, scores: np.ndarray, top: int = 10) -> pd.DataFrame:
    """``patient_id, candidate_id, rank, score`` with ranks 1..top per case (ties by candidate id)."""
    out = pd.DataFrame({"patient_id": features["case"], "candidate_id": features["candidate"], "score": scores})
    out = out.sort_values(["patient_id", "score", "candidate_id"], ascending=[True, False, True], kind="stable")
    out["rank"] = out.groupby("patient_id").cumcount() + 1
    return out[out["rank"] <= top][["patient_id", "candidate_id", "rank", "score"]].reset_index(drop=True)


@dataclass
class Evaluation:
    cases: int
    top1: float
    top5: float
    naive_top1: float
    naive_top5: float
    in_pool: float
    curve: dict[int, tuple[float, float]] = field(default_factory=dict)  # k → (model, naive) top-k

    def as_dict(self) -> dict[str, float | int]:
        return {
            "cases": self.cases,
            "top1": round(self.top1, 4),
            "top5": round(self.top5, 4),
            "naive_top1": round(self.naive_top1, 4),
            "naive_top5": round(self.naive_top5, 4),
            "infector_in_candidate_pool": round(self.in_pool, 4),
        }


def _topk(features: pd.DataFrame, scores: np.ndarray, cases: list[str], k: int) -> float:
    ranked = rank(features, scores, top=k)
    hits = ranked.merge(
        features.loc[features["label"] == 1, ["case", "candidate"]],
        left_on=["patient_id", "candidate_id"],
        right_on=["case", "candidate"],
    )
    return len(set(hits["patient_id"])) / max(len(cases), 1)


def cross_validate(
    data: DS4C, folds: int = 5, model_factory: ModelFactory = default_model, seed: int = 0
) -> Evaluation:
    """Grouped k-fold over cases with a known infector (both sides with routes): top-1/top-5.

    A case whose infector falls outside the candidate pool counts as a miss.
    """
    links = data.known_links()
    cases = list(links["patient_id"])
    feats = candidate_features(data, cases)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(cases))
    fold_of = {cases[i]: j % folds for j, i in enumerate(order)}
    scores = np.zeros(len(feats))
    fold_col = feats["case"].map(fold_of).to_numpy()
    for k in range(folds):
        train = feats[fold_col != k]
        model = fit(train, model_factory)
        test = fold_col == k
        scores[test] = score(model, feats[test])
    naive = naive_scores(feats)
    in_pool = feats.loc[feats["label"] == 1, "case"].nunique() / len(cases)
    curve = {k: (_topk(feats, scores, cases, k), _topk(feats, naive, cases, k)) for k in range(1, 11)}
    return Evaluation(
        len(cases),
        _topk(feats, scores, cases, 1),
        _topk(feats, scores, cases, 5),
        _topk(feats, naive, cases, 1),
        _topk(feats, naive, cases, 5),
        in_pool,
        curve,
    )


def plot_curve(result: Evaluation, out: Path | str) -> Path:
    """Top-k accuracy of the model and of the naive rule (PNG, or HTML when ``out`` ends in .html)."""
    ks = sorted(result.curve)
    model = [result.curve[k][0] for k in ks]
    naive = [result.curve[k][1] for k in ks]
    out = Path(out)
    if out.suffix == ".html":
        import plotly.graph_objects as go

        fig = go.Figure([go.Scatter(x=ks, y=model, name="model"), go.Scatter(x=ks, y=naive, name="same day ≤ 100 m")])
        fig.update_layout(
            title=f"DS4C infector ranking, {result.cases} cases (grouped CV)",
            xaxis_title="k",
            yaxis_title="top-k accuracy",
            yaxis_range=[0, 1],
        )
        fig.write_html(out, include_plotlyjs=True)
        return out
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig2, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(ks, model, marker="o", label="model")
    ax.plot(ks, naive, marker="s", label="same day ≤ 100 m")
    ax.set(xlabel="k", ylabel="top-k accuracy", ylim=(0, 1), title=f"DS4C infector ranking ({result.cases} cases)")
    ax.legend()
    fig2.tight_layout()
    fig2.savefig(out, dpi=120)
    plt.close(fig2)
    return out


def rank_blank_cases(data: DS4C, top: int = 10, model_factory: ModelFactory = default_model) -> pd.DataFrame:
    """Train on every visible link, rank candidates for every case whose infector is blank."""
    train = candidate_features(data, list(data.known_links()["patient_id"]))
    model = fit(train, model_factory)
    targets = candidate_features(data, data.blank_targets())
    if targets.empty:
        return pd.DataFrame(columns=["patient_id", "candidate_id", "rank", "score"])
    return rank(targets, score(model, targets), top=top)
