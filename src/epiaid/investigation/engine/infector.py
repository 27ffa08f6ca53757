"""Backward tracing: rank the likely infectors of a confirmed case.

Candidates are people with routes confirmed on the case's day or up to 30 days before it (what an
investigator can see when the case is confirmed). Pair features: route co-location (same place,
same or adjacent day; same place type in the same district; within the candidate's infectious
window), the serial-interval likelihood (onset to onset, confirmation dates as the fallback),
whether the case's likely exposure falls in the candidate's infectious window (2 days before onset
to isolation), shared named cluster, age bands and sex, the local case-number sequence, and how
infectious the candidate was (reported contacts, secondary cases known at ranking time).

Models: the naive rule (same day within 100 m), issue 4's gradient-boosted classifier on
:data:`LEGACY_FEATURES` ("current"), and a LightGBM lambdarank ranker on :data:`FEATURES` grouped
per infectee ("new"), whose scores become probabilities by a softmax over the case's candidates
with a temperature fitted on inner time-ordered folds.

Evaluation (:func:`evaluate`): random 5-fold CV, time-ordered (rolling origin D over date blocks;
only infectees confirmed before D train, only their links inform features), and time-ordered +
cluster-grouped (no training case shares a link component or named cluster with a test case).
The last one mirrors the real task and is the headline.

Age contact patterns: no Korean contact-matrix file is available here and we do not transcribe
Prem et al. values from memory, so age enters as the two age bands and their gap (the model learns
the pattern); household-like pairs (same district, confirmed ≤ 1 day apart, case numbers ≤ 5
apart) stand in for household membership, which DS4C does not record.

DS4C columns used: ``PatientInfo`` (patient_id, sex, age, province, city, infection_case,
infected_by, contact_number, symptom_onset_date, confirmed_date) and ``PatientRoute`` (patient_id,
date, province, city, type, latitude, longitude). Routes have dates but no times, so "within hours"
can only be "same day" here.
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
# the features of the first model (issue 4), kept to compare against: "current model"
LEGACY_FEATURES: list[str] = [
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
# the epidemiology an investigator uses, added for issue 24 (see the module docstring)
EPI_FEATURES: list[str] = [
    "si",
    "si_loglik",
    "si_from_onset",
    "exposure_in_window",
    "exposure_window_gap",
    "n_type_city_same_day",
    "n_type_city_adj_day",
    "n_city_same_day",
    "n_100m_in_window",
    "case_age",
    "cand_age",
    "age_gap",
    "same_sex",
    "household_like",
    "cand_has_known_infector",
]
FEATURES: list[str] = LEGACY_FEATURES + EPI_FEATURES
CANDIDATE_WINDOW_DAYS = (0, 30)  # candidates confirmed on the case's day or up to 30 days before it
NO_DISTANCE = 1e6

# Serial interval (symptom onset of infector → onset of infectee): gamma with mean 4.7 d and SD 2.9 d,
# moment-matched to Nishiura, Linton & Akhmetzhanov 2020, "Serial interval of novel coronavirus
# (COVID-19) infections", Int J Infect Dis 93:284–286 (early 2020, 28 pairs). Where an onset is
# missing the confirmation-date difference stands in for it (Korea confirmed most cases within days).
SI_MEAN, SI_SD = 4.7, 2.9
SI_SHAPE = (SI_MEAN / SI_SD) ** 2
SI_SCALE = SI_SD**2 / SI_MEAN
# Incubation median 5.1 d: Lauer et al. 2020, Ann Intern Med 172:577–582. Infectious window of a
# candidate: 2 days before onset to isolation (taken as the confirmation date); see He et al. 2020,
# Nat Med 26:672–675 for presymptomatic infectiousness from ~2 days before onset.
INCUBATION_DAYS = 5.0
PRESYMPTOMATIC_DAYS = 2.0
AGE_BANDS = {f"{10 * i}s": i for i in range(11)}


def si_loglik(days: np.ndarray) -> np.ndarray:
    """Log density of the serial-interval gamma (days ≤ 0 are floored at 0.5 d, still unlikely)."""
    from scipy.stats import gamma

    x = np.clip(np.nan_to_num(np.asarray(days, float), nan=SI_MEAN), 0.5, None)
    return np.asarray(gamma.logpdf(x, SI_SHAPE, scale=SI_SCALE))


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
        return cls.from_frames(p, r)

    @classmethod
    def from_frames(cls, p: pd.DataFrame, r: pd.DataFrame) -> DS4C:
        """From DS4C-shaped frames (e.g. the situation map's cases and visits); missing optional
        columns (sex, age, contact_number, type, city) are filled blank."""
        p, r = p.copy(), r.copy()
        p["patient_id"] = p["patient_id"].astype(str)
        for col in ("sex", "age", "contact_number", "province", "city", "infection_case", "infected_by"):
            if col not in p:
                p[col] = ""
        for col in ("type", "province", "city"):
            if col not in r:
                r[col] = ""
        r["patient_id"] = r["patient_id"].astype(str)
        for col in ("confirmed_date", "symptom_onset_date"):
            p[col] = pd.to_datetime(p[col], errors="coerce")
        p["infection_case"] = p["infection_case"].fillna("")
        p["infected_by"] = p["infected_by"].fillna("").astype(str).str.strip()
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


def visible_links(patients: pd.DataFrame) -> pd.Series:
    """``infected_by`` of every case that has one, indexed by the infectee."""
    k = patients.loc[patients["infected_by"] != "", "infected_by"]
    return pd.Series(k.to_numpy(), index=k.index.to_numpy(), dtype=object)


def candidate_features(
    data: DS4C,
    cases: Iterable[str],
    window: tuple[int, int] = CANDIDATE_WINDOW_DAYS,
    links: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per (case, candidate) with :data:`FEATURES`; ``label`` is 1 for the recorded infector.

    Candidates are people with routes confirmed ``window`` days before the case (0–30 by default:
    the same day or earlier, as an investigator would see them). ``links`` (infectee → infector)
    are the links known when ranking; only they inform link-derived features ("known infectees",
    "has a known infector"), never the case's own link. Default: every visible link.
    """
    p = data.patients
    links = visible_links(p) if links is None else links
    infectees = links.value_counts()
    rp = np.array(sorted(data.with_routes()))
    info = p.loc[rp]
    conf = info["confirmed_date"].to_numpy("datetime64[D]")
    onset = info["symptom_onset_date"].to_numpy("datetime64[D]")
    idnum = pd.to_numeric(info["patient_id"], errors="coerce").to_numpy(float)
    age = info["age"].map(AGE_BANDS).to_numpy(float) if "age" in info else np.full(len(rp), np.nan)
    sex = info["sex"].fillna("").to_numpy(str) if "sex" in info else np.full(len(rp), "")
    delay = _onset_to_confirmation(p)
    # infectious window of every route owner: 2 days before onset (or estimated onset) to isolation
    est_onset = np.where(np.isnat(onset), conf - np.timedelta64(round(delay), "D"), onset)
    inf_start = est_onset - np.timedelta64(int(PRESYMPTOMATIC_DAYS), "D")
    routes = data.routes
    r_pid = routes["patient_id"].to_numpy()
    r_lat = np.radians(routes["latitude"].to_numpy(float))
    r_lon = np.radians(routes["longitude"].to_numpy(float))
    r_day = routes["date"].to_numpy("datetime64[D]")
    r_type = pd.factorize(routes["type"].fillna("") if "type" in routes else pd.Series([""] * len(routes)))[0]
    place = routes.get("province", pd.Series([""] * len(routes))).fillna("").astype(str) + "/"
    place = place + routes.get("city", pd.Series([""] * len(routes))).fillna("").astype(str)
    r_city = pd.factorize(place)[0]
    pos = {pid: i for i, pid in enumerate(rp)}
    r_code = np.array([pos[x] for x in r_pid], dtype=np.int64)
    r_in_window = (r_day >= inf_start[r_code]) & (r_day <= conf[r_code])
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
        ok = (dconf >= window[0]) & (dconf <= window[1]) & (rp != case)
        cand = rp[ok]
        if len(cand) == 0:
            continue
        ci = np.array([pos[x] for x in cand])
        f: dict[str, Any] = {"case": np.full(len(cand), case, dtype=object), "candidate": cand}
        f["dconf"] = dconf[ok]
        f["abs_dconf"] = np.abs(f["dconf"])
        c_on = np.datetime64(c["symptom_onset_date"], "D") if pd.notna(c["symptom_onset_date"]) else None
        don = np.full(len(ci), np.nan)
        if c_on is not None:  # NaT must become NaN, not the int64 minimum (issue 4's bug)
            td = c_on - onset[ci]
            don = np.where(np.isnat(td), np.nan, td.astype("timedelta64[D]").astype(float))
        f["has_donset"] = (~np.isnan(don)).astype(float)
        f["donset"] = np.nan_to_num(don, nan=0.0)
        # serial interval: onset to onset where both are known, else confirmation to confirmation
        f["si_from_onset"] = f["has_donset"]
        f["si"] = np.where(np.isnan(don), f["dconf"], don)
        f["si_loglik"] = si_loglik(f["si"])
        # was the case's likely exposure (onset − incubation) inside the candidate's infectious window?
        c_est_onset = c_on if c_on is not None else c_conf - np.timedelta64(round(delay), "D")
        exposure = c_est_onset - np.timedelta64(int(INCUBATION_DAYS), "D")
        before = (inf_start[ci] - exposure).astype("timedelta64[D]").astype(float)
        after = (exposure - conf[ci]).astype("timedelta64[D]").astype(float)
        gap = np.maximum(np.maximum(before, after), 0.0)
        f["exposure_in_window"] = (gap == 0).astype(float)
        f["exposure_window_gap"] = gap
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
        own = links.get(case, "")
        known = infectees.reindex(cand).fillna(0).to_numpy(float)
        if own:
            known = known - (cand == own)
        f["cand_known_infectees"] = np.log1p(known)
        f["cand_has_known_infector"] = pd.Series(cand).isin(links.index).to_numpy(float)
        f["cand_is_infectee_of_case"] = (links.reindex(cand).fillna("").to_numpy() == case).astype(float)
        f["shared_infector"] = 0.0  # the case's own infector is what we look for: never used
        same_prefix = np.array([x[:4] == case[:4] for x in cand])
        idgap = np.abs(idnum[pos[case]] - idnum[ci]) if case in pos else np.full(len(ci), np.nan)
        f["same_prefix"] = same_prefix.astype(float)
        f["id_gap"] = np.where(same_prefix, np.log1p(np.nan_to_num(idgap, nan=1e9)), 25.0)
        f["id_before"] = (idnum[ci] < float(pd.to_numeric(case, errors="coerce"))).astype(float)
        c_age = AGE_BANDS.get(str(c.get("age", "")), np.nan)
        f["case_age"] = np.full(len(ci), c_age, dtype=float)
        f["cand_age"] = age[ci]
        f["age_gap"] = np.abs(age[ci] - c_age)
        f["same_sex"] = (sex[ci] == str(c.get("sex", ""))).astype(float)
        f["household_like"] = (
            (f["same_city"] == 1) & (f["abs_dconf"] <= 1) & same_prefix & (np.nan_to_num(idgap, nan=1e9) <= 5)
        ).astype(float)
        # route co-location
        cm = r_pid == case
        f["case_routes"] = float(cm.sum())
        f["cand_routes"] = route_count.reindex(cand).fillna(0).to_numpy(float)
        col = _route_colocation(cm, ok[r_code], r_code, r_lat, r_lon, r_day, r_type, r_city, r_in_window, len(rp))
        col = {k: v[ci] for k, v in col.items()}
        f["min_d_same_day"] = np.log10(col["min_same"] + 1)
        f["min_d_adj_day"] = np.log10(col["min_adj"] + 1)
        f["min_d_any"] = np.log10(col["min_any"] + 1)
        for k in ("n_100m_same_day", "n_1km_same_day", "n_100m_any", "n_type_city_same_day", "n_type_city_adj_day"):
            f[k] = col[k]
        f["n_city_same_day"] = col["n_city_same_day"]
        f["n_100m_in_window"] = col["n_100m_in_window"]
        truth = c["infected_by"]
        f["label"] = (cand == truth).astype(int) if truth else 0
        rows.append(pd.DataFrame(f))
    if not rows:
        return pd.DataFrame(columns=["case", "candidate", *FEATURES, "label"])
    return pd.concat(rows, ignore_index=True)


def _onset_to_confirmation(patients: pd.DataFrame) -> float:
    """Median days from symptom onset to confirmation in the data (3 if it cannot be measured)."""
    d = (patients["confirmed_date"] - patients["symptom_onset_date"]).dt.days
    d = d[(d >= 0) & (d <= 30)]
    return float(d.median()) if len(d) else 3.0


def _route_colocation(
    case_mask: np.ndarray,
    other_mask: np.ndarray,
    r_code: np.ndarray,
    r_lat: np.ndarray,
    r_lon: np.ndarray,
    r_day: np.ndarray,
    r_type: np.ndarray,
    r_city: np.ndarray,
    r_in_window: np.ndarray,
    n_people: int,
) -> dict[str, np.ndarray]:
    """Per person (indexed like the route owners), against the case's route points: closest
    same-day / ±1-day / any-day distance; same-day points within 100 m and 1 km; points of the same
    place type in the same district on the same day and ±1 day; same-district same-day points;
    points within 100 m ±1 day while the other person was infectious. DS4C routes carry dates only,
    so "within hours" cannot be told from "same day" here."""
    out = {k: np.full(n_people, NO_DISTANCE) for k in ("min_same", "min_adj", "min_any")}
    counts = (
        "n_100m_same_day",
        "n_1km_same_day",
        "n_100m_any",
        "n_type_city_same_day",
        "n_type_city_adj_day",
        "n_city_same_day",
        "n_100m_in_window",
    )
    out.update({k: np.zeros(n_people) for k in counts})
    if not case_mask.any():
        return out
    o_idx = np.flatnonzero(other_mask & ~case_mask)
    cl, co, cday = r_lat[case_mask][:, None], r_lon[case_mask][:, None], r_day[case_mask][:, None]
    ol, oo, oday = r_lat[o_idx][None, :], r_lon[o_idx][None, :], r_day[o_idx][None, :]
    a = np.sin((ol - cl) / 2) ** 2 + np.cos(cl) * np.cos(ol) * np.sin((oo - co) / 2) ** 2
    d = 2 * R * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    dd = np.abs((cday - oday).astype("timedelta64[D]").astype(float))
    same_city = r_city[case_mask][:, None] == r_city[o_idx][None, :]
    same_type = (r_type[case_mask][:, None] == r_type[o_idx][None, :]) & same_city
    in_win = np.broadcast_to(r_in_window[o_idx][None, :], d.shape)
    who = np.broadcast_to(r_code[o_idx][None, :], d.shape).ravel()
    np.minimum.at(out["min_same"], who, np.where(dd == 0, d, NO_DISTANCE).ravel())
    np.minimum.at(out["min_adj"], who, np.where(dd <= 1, d, NO_DISTANCE).ravel())
    np.minimum.at(out["min_any"], who, d.ravel())
    for key, m in (
        ("n_100m_same_day", (dd == 0) & (d <= 100)),
        ("n_1km_same_day", (dd == 0) & (d <= 1000)),
        ("n_100m_any", d <= 100),
        ("n_type_city_same_day", (dd == 0) & same_type),
        ("n_type_city_adj_day", (dd <= 1) & same_type),
        ("n_city_same_day", (dd == 0) & same_city),
        ("n_100m_in_window", (dd <= 1) & (d <= 100) & in_win),
    ):
        np.add.at(out[key], who, m.ravel().astype(float))
    return out


def naive_scores(features: pd.DataFrame) -> np.ndarray:
    """The anchor rule: same day within 100 m, ties broken by the closest same-day distance."""
    return features["n_100m_same_day"].to_numpy() * 1e3 - features["min_d_same_day"].to_numpy()


ModelFactory = Callable[[], object]


def default_model() -> object:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0, random_state=0
    )


def fit(
    features: pd.DataFrame, model_factory: ModelFactory = default_model, columns: list[str] | None = None
) -> object:
    """Train on one thread: OpenMP spinning on a shared, busy machine made fitting 20× slower."""
    from threadpoolctl import threadpool_limits

    model = model_factory()
    with threadpool_limits(1):
        x = features[columns or LEGACY_FEATURES].to_numpy(float)
        model.fit(x, features["label"].to_numpy())  # type: ignore[attr-defined]
    return model


def score(model: object, features: pd.DataFrame, columns: list[str] | None = None) -> np.ndarray:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        x = features[columns or LEGACY_FEATURES].to_numpy(float)
        return np.asarray(model.predict_proba(x)[:, 1])  # type: ignore[attr-defined]


class Ranker:
    """A way of scoring candidates: ``fit`` on labelled candidate rows, then ``score`` new rows."""

    name = "ranker"
    # which known links may train it: "both" = infectee and infector have routes (issue 4's set),
    # "infector" = the infector has routes (the infectee's own routes may be missing)
    training_links = "both"

    def fit(self, features: pd.DataFrame) -> Ranker:
        return self

    def score(self, features: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError


class NaiveRule(Ranker):
    name = "naive rule (same day ≤ 100 m)"

    def score(self, features: pd.DataFrame) -> np.ndarray:
        return naive_scores(features)


class CurrentModel(Ranker):
    """Issue 4's model: a gradient-boosted classifier on :data:`LEGACY_FEATURES`."""

    name = "current model (HistGB classifier)"

    def __init__(self, columns: list[str] | None = None) -> None:
        self.columns = columns or LEGACY_FEATURES
        self.model: object = None

    def fit(self, features: pd.DataFrame) -> Ranker:
        self.model = fit(features, default_model, self.columns)
        return self

    def score(self, features: pd.DataFrame) -> np.ndarray:
        return score(self.model, features, self.columns)


LGBM_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "n_estimators": 300,
    "learning_rate": 0.03,
    "num_leaves": 7,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "lambdarank_truncation_level": 10,
    "num_threads": 1,
    "verbose": -1,
    "random_state": 0,
}


class LambdaRanker(Ranker):
    """LightGBM lambdarank over :data:`FEATURES`, one query group per infectee; probabilities from a
    softmax over the case's candidates with a temperature fitted on inner time-ordered folds."""

    name = "new model (LightGBM lambdarank)"
    training_links = "infector"

    def __init__(self, columns: list[str] | None = None, params: dict[str, Any] | None = None) -> None:
        self.columns = columns or FEATURES
        self.params = {**LGBM_PARAMS, **(params or {})}
        self.model: Any = None
        self.temperature = 1.0
        self.in_pool = 1.0

    def fit(self, features: pd.DataFrame) -> Ranker:
        import lightgbm as lgb

        f = _groups_with_positive(features)
        sizes = f.groupby("case", sort=False).size().to_numpy()
        self.model = lgb.LGBMRanker(**self.params)
        self.model.fit(f[self.columns].to_numpy(float), f["label"].to_numpy(), group=sizes)
        return self

    def score(self, features: pd.DataFrame) -> np.ndarray:
        if features.empty:
            return np.zeros(0)
        return np.asarray(self.model.predict(features[self.columns].to_numpy(float), num_threads=1))

    def probabilities(self, features: pd.DataFrame, scores: np.ndarray | None = None) -> np.ndarray:
        s = self.score(features) if scores is None else scores
        return softmax_by_case(features["case"].to_numpy(), s, self.temperature) * self.in_pool


def _groups_with_positive(features: pd.DataFrame) -> pd.DataFrame:
    has = features.groupby("case")["label"].transform("max") > 0
    f = features[has]
    return f.sort_values("case", kind="stable")


def softmax_by_case(cases: np.ndarray, scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """exp(score / T) normalised within each case: P(this candidate is the infector | in the pool)."""
    s = pd.Series(np.asarray(scores, float) / temperature)
    g = s.groupby(pd.Series(cases).to_numpy())
    e = np.exp(s - g.transform("max"))
    return np.asarray(e / e.groupby(pd.Series(cases).to_numpy()).transform("sum"))


def fit_temperature(cases: np.ndarray, scores: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature minimising the log loss of the true infector (cases with one in the pool)."""
    best, best_t = np.inf, 1.0
    for t in np.exp(np.linspace(np.log(0.05), np.log(20), 60)):
        p = softmax_by_case(cases, scores, t)
        pos = p[labels == 1]
        if len(pos) == 0:
            return 1.0
        nll = -np.mean(np.log(np.clip(pos, 1e-9, 1)))
        if nll < best:
            best, best_t = nll, float(t)
    return best_t


def rank(features: pd.DataFrame, scores: np.ndarray, top: int = 10) -> pd.DataFrame:
    """``patient_id, candidate_id, rank, score`` with ranks 1..top per case (ties by candidate id)."""
    out = pd.DataFrame({"patient_id": features["case"], "candidate_id": features["candidate"], "score": scores})
    out = out.sort_values(["patient_id", "score", "candidate_id"], ascending=[True, False, True], kind="stable")
    out["rank"] = out.groupby("patient_id").cumcount() + 1
    return out[out["rank"] <= top][["patient_id", "candidate_id", "rank", "score"]].reset_index(drop=True)


# ---------------------------------------------------------------- evaluation


@dataclass
class Metrics:
    cases: int
    top1: float
    top5: float
    mrr: float
    in_pool: float
    curve: dict[int, float] = field(default_factory=dict)  # k → top-k

    def as_dict(self) -> dict[str, float | int]:
        return {
            "cases": self.cases,
            "top1": round(self.top1, 4),
            "top5": round(self.top5, 4),
            "mrr": round(self.mrr, 4),
            "infector_in_pool": round(self.in_pool, 4),
        }


def metrics(features: pd.DataFrame, scores: np.ndarray, cases: list[str]) -> Metrics:
    """Top-k and mean reciprocal rank over ``cases``; a case whose infector is not ranked is a miss."""
    ranked = rank(features, scores, top=10**9)
    pos = features.loc[features["label"] == 1, ["case", "candidate"]]
    hit = ranked.merge(pos, left_on=["patient_id", "candidate_id"], right_on=["case", "candidate"])
    r = hit.set_index("patient_id")["rank"].reindex(cases)
    n = max(len(cases), 1)
    curve = {k: float((r <= k).sum() / n) for k in range(1, 11)}
    mrr = float((1.0 / r).fillna(0).sum() / n)
    return Metrics(len(cases), curve[1], curve[5], mrr, float(r.notna().sum() / n), curve)


def training_cases(data: DS4C, kind: str) -> list[str]:
    """Infectees whose recorded infector has routes; ``kind="both"`` also needs the infectee's routes."""
    p, rp = data.patients, data.with_routes()
    m = (p["infected_by"] != "") & p["infected_by"].isin(rp)
    if kind == "both":
        m &= p["patient_id"].isin(rp)
    return list(p.loc[m, "patient_id"])


def clusters(data: DS4C) -> dict[str, str]:
    """Cluster of every case: connected components of the visible links, merged by named infection_case."""
    p = data.patients
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for case, infector in visible_links(p).items():
        union(str(case), str(infector))
    named = p[~p["infection_case"].isin(GENERIC_CASES)]
    for name, grp in named.groupby("infection_case"):
        for case in grp["patient_id"]:
            union(case, f"cluster:{name}")
    return {pid: find(pid) for pid in p["patient_id"]}


# ``random``: 5 random folds over the test cases, everything else known (issue 4's CV).
# ``time``: rolling origin D over date blocks; train on infectees confirmed before D, rank those
# confirmed from D to the next block; only links of infectees confirmed before D inform features.
# ``time_grouped``: as ``time``, and no training case shares a cluster with a test case of the block.
PROTOCOLS = {
    "random": "random 5-fold CV",
    "time": "time-ordered (rolling origin)",
    "time_grouped": "time-ordered + cluster-grouped",
}


def folds(data: DS4C, protocol: str, blocks: int = 5, seed: int = 0) -> list[tuple[pd.Timestamp | None, list[str]]]:
    """(origin D, test cases) per fold; D is None for random folds. Test cases have routes on both sides."""
    test = training_cases(data, "both")
    conf = data.patients.loc[test, "confirmed_date"]
    if protocol == "random":
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(test))
        return [(None, [test[i] for i in order[k::blocks]]) for k in range(blocks)]
    edges = sorted(set(conf.quantile(np.linspace(0, 1, blocks + 1)[1:-1], interpolation="nearest")))
    out = []
    for i, d in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else None
        m = (conf >= d) & ((conf < hi) if hi is not None else True)
        out.append((pd.Timestamp(d), list(conf.index[m])))
    return out


def links_before(data: DS4C, origin: pd.Timestamp | None) -> pd.Series:
    links = visible_links(data.patients)
    if origin is None:
        return links
    conf = data.patients.loc[links.index, "confirmed_date"]
    return links[(conf < origin).to_numpy()]


def training_split(
    data: DS4C,
    pool: list[str],
    test: list[str],
    origin: pd.Timestamp | None,
    protocol: str,
    cluster: dict[str, str] | None = None,
) -> list[str]:
    """The cases a fold may train on: never a test case; under a time protocol only infectees
    confirmed before the origin D; under ``time_grouped`` none of a test case's cluster."""
    conf = data.patients["confirmed_date"]
    test_set = set(test)
    allowed = [c for c in pool if c not in test_set]
    if origin is not None:
        allowed = [c for c in allowed if conf[c] < origin]
    if protocol == "time_grouped":
        cluster = clusters(data) if cluster is None else cluster
        banned = {cluster[c] for c in test}
        allowed = [c for c in allowed if cluster[c] not in banned]
    return allowed


def evaluate(
    data: DS4C,
    protocol: str,
    rankers: dict[str, Callable[[], Ranker]],
    blocks: int = 5,
    seed: int = 0,
    window: tuple[int, int] = CANDIDATE_WINDOW_DAYS,
) -> tuple[dict[str, Metrics], pd.DataFrame]:
    """Every ranker on the same folds of ``protocol``; returns metrics and the out-of-fold scores."""
    cluster = clusters(data)
    pools = {kind: training_cases(data, kind) for kind in ("both", "infector")}
    all_train = sorted(set(pools["infector"]))
    scored: list[pd.DataFrame] = []
    cached: dict[str, pd.DataFrame] = {}
    if protocol == "random":
        cached["all"] = candidate_features(data, all_train, window)
    for origin, test in folds(data, protocol, blocks, seed):
        if origin is None:
            feats = cached["all"]
        else:
            feats = candidate_features(data, all_train, window, links=links_before(data, origin))
        test_set = set(test)
        te = feats[feats["case"].isin(test_set)].copy()
        for name, make in rankers.items():
            ranker = make()
            allowed = training_split(data, pools[ranker.training_links], test, origin, protocol, cluster)
            tr = feats[feats["case"].isin(set(allowed))]
            if isinstance(ranker, LambdaRanker) and origin is not None:
                calibrate(ranker, tr, data)
            te[name] = ranker.fit(tr).score(te)
            if isinstance(ranker, LambdaRanker):
                te[name + " p"] = ranker.probabilities(te, te[name].to_numpy())
        scored.append(te)
    oof = pd.concat(scored, ignore_index=True)
    cases = [c for _, t in folds(data, protocol, blocks, seed) for c in t]
    return {name: metrics(oof, oof[name].to_numpy(), cases) for name in rankers}, oof


def calibrate(ranker: LambdaRanker, train: pd.DataFrame, data: DS4C, blocks: int = 3) -> None:
    """Temperature and P(infector in pool) from inner time-ordered folds of the training cases only."""
    conf = data.patients["confirmed_date"]
    cases = train["case"].drop_duplicates()
    c_conf = conf.reindex(cases.to_numpy())
    edges = sorted(set(c_conf.quantile(np.linspace(0, 1, blocks + 2)[1:-1], interpolation="nearest")))
    parts = []
    for i, d in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else None
        inner_test = c_conf[(c_conf >= d) & ((c_conf < hi) if hi is not None else True)].index
        inner_train = c_conf[c_conf < d].index
        tr = train[train["case"].isin(set(inner_train))]
        te = train[train["case"].isin(set(inner_test))]
        if tr["label"].sum() < 5 or te.empty:
            continue
        inner = LambdaRanker(ranker.columns, ranker.params).fit(tr)
        parts.append(te.assign(_s=inner.score(te)))
    if parts:
        oof = pd.concat(parts, ignore_index=True)
        ranker.temperature = fit_temperature(oof["case"].to_numpy(), oof["_s"].to_numpy(), oof["label"].to_numpy())
    ranker.in_pool = float(train.groupby("case")["label"].max().mean()) if len(train) else 1.0


def default_rankers() -> dict[str, Callable[[], Ranker]]:
    return {"naive": NaiveRule, "current": CurrentModel, "new": LambdaRanker}


def calibration_table(oof: pd.DataFrame, column: str, bins: int = 5) -> pd.DataFrame:
    """Reliability of the top-ranked candidate's probability: predicted vs observed, by bin."""
    top = oof.sort_values(column, ascending=False).drop_duplicates("case")
    edges = np.quantile(top[column], np.linspace(0, 1, bins + 1))
    top = top.assign(bin=np.clip(np.searchsorted(edges[1:-1], top[column], side="right"), 0, bins - 1))
    return (
        top.groupby("bin")
        .agg(cases=("case", "size"), predicted=(column, "mean"), observed=("label", "mean"))
        .reset_index(drop=True)
    )


def evaluation_report(data: DS4C, blocks: int = 5, seed: int = 0) -> dict[str, Any]:
    """The table of issue 24: every protocol × naive / current / new, with the new model's calibration."""
    out: dict[str, Any] = {"protocols": {}, "curves": {}}
    for proto in PROTOCOLS:
        res, oof = evaluate(data, proto, default_rankers(), blocks, seed)
        out["protocols"][proto] = {name: m.as_dict() for name, m in res.items()}
        out["curves"][proto] = {name: m.curve for name, m in res.items()}
        if proto == "time_grouped":
            cal = calibration_table(oof, "new p")
            out["calibration"] = cal.round(4).to_dict("records")
    return out


def plot_curves(report: dict[str, Any], out: Path | str) -> Path:
    """Top-k curves of naive / current / new under each protocol (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(report["curves"]), figsize=(12, 3.6), sharey=True)
    for ax, (proto, curves) in zip(np.atleast_1d(axes), report["curves"].items(), strict=False):
        for name, curve in curves.items():
            ks = sorted(int(k) for k in curve)
            ax.plot(ks, [curve[k] if k in curve else curve[str(k)] for k in ks], marker="o", ms=3, label=name)
        ax.set(title=PROTOCOLS[proto], xlabel="k", ylim=(0, 1))
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("top-k accuracy")
    np.atleast_1d(axes)[0].legend(loc="lower right")
    fig.suptitle("DS4C infector ranking, visible links with routes on both sides")
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out


# ---------------------------------------------------------------- ranking new cases


def train_final(data: DS4C) -> LambdaRanker:
    """The new model on every visible link whose infector has routes, calibrated on inner time folds."""
    feats = candidate_features(data, training_cases(data, "infector"))
    ranker = LambdaRanker()
    calibrate(ranker, feats, data)
    ranker.fit(feats)
    return ranker


def rank_blank_cases(data: DS4C, top: int = 10) -> pd.DataFrame:
    """Train on the visible links, rank candidates for every case whose infector is blank.

    ``score`` is the calibrated probability that the candidate is the case's infector.
    """
    ranker = train_final(data)
    targets = candidate_features(data, data.blank_targets())
    if targets.empty:
        return pd.DataFrame(columns=["patient_id", "candidate_id", "rank", "score"])
    return rank(targets, ranker.probabilities(targets), top=top)


def evidence(data: DS4C, case: str, candidate: str, limit: int = 5) -> dict[str, Any]:
    """What an investigator would check for one pair: days apart, shared places, shared cluster."""
    p = data.patients
    c, k = p.loc[case], p.loc[candidate]
    out: dict[str, Any] = {
        "days_confirmed_apart": _days(c["confirmed_date"], k["confirmed_date"]),
        "days_onset_apart": _days(c["symptom_onset_date"], k["symptom_onset_date"]),
        "same_district": bool(c["city"] == k["city"] and c["province"] == k["province"]),
        "shared_cluster": c["infection_case"]
        if c["infection_case"] == k["infection_case"] and c["infection_case"] not in GENERIC_CASES
        else "",
        "shared_places": [],
    }
    r = data.routes
    a, b = r[r["patient_id"] == case], r[r["patient_id"] == candidate]
    places = []
    for _, x in a.iterrows():
        for _, y in b.iterrows():
            days = abs(int((x["date"] - y["date"]).days))
            if days > 1:
                continue
            dist = _haversine(x["latitude"], x["longitude"], y["latitude"], y["longitude"])
            same_kind = x.get("type", "") == y.get("type", "") and x.get("city", "") == y.get("city", "")
            if dist <= 100 or same_kind:
                places.append(
                    {
                        "date": str(x["date"].date()),
                        "days_apart": days,
                        "type": str(x.get("type", "")),
                        "city": str(x.get("city", "")),
                        "distance_m": round(dist),
                    }
                )
    places.sort(key=lambda e: (e["distance_m"], e["days_apart"]))
    out["shared_places"] = places[:limit]
    return out


def _days(a: Any, b: Any) -> int | None:
    return None if pd.isna(a) or pd.isna(b) else int((a - b).days)


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return float(2 * R * np.arcsin(min(1.0, float(np.sqrt(a)))))
