"""Train the X-ray CNN: patient-grouped 5-fold CV, leave-one-source-out, and the final model.

Run ``python -m epiaid.xray.engine.train --data ../shared/data/cxr --out var/xray-train`` (CPU, one
thread by default; ``--device cuda`` where a GPU exists). Every run trains one ensemble member per
``--seeds`` entry and writes the members' averaged held-out outputs to ``OUT/<run>.npz``, so
:mod:`epiaid.xray.engine.evaluate` scores exactly what ships without retraining; the final run writes
``OUT/final.pt`` (the seeds and each member's weights).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from torch import nn

from epiaid.xray.engine.data import DevSet, load_devset
from epiaid.xray.engine.net import XrayEnsemble, XrayNet


def augment(batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random affine (rotation ±10°, scale 0.85–1.15, shift ±8 %), gamma and noise; then standardise."""
    n = batch.shape[0]
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(10)
    scale = 0.85 + torch.rand(n, generator=gen) * 0.3
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * 0.08
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    out = F.grid_sample(batch, grid, mode="bilinear", padding_mode="border", align_corners=False)
    gamma = torch.exp((torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * math.log(1.5))
    out = out.clamp(0, 1) ** gamma
    out = out + torch.randn(out.shape, generator=gen) * 0.02
    return standardise(out)


def standardise(batch: torch.Tensor) -> torch.Tensor:
    mean = batch.mean(dim=(1, 2, 3), keepdim=True)
    std = batch.std(dim=(1, 2, 3), keepdim=True).clamp_min(1e-3)
    return (batch - mean) / std


def multitask_loss(out: torch.Tensor, y: dict[str, torch.Tensor], pos_w: dict[str, float]) -> torch.Tensor:
    pw_p = torch.tensor(pos_w["pneumonia"])
    pw_c = torch.tensor(pos_w["covid"])
    loss = F.binary_cross_entropy_with_logits(out[:, 0], y["pneumonia"], pos_weight=pw_p)
    loss = loss + F.binary_cross_entropy_with_logits(out[:, 1], y["covid"], pos_weight=pw_c)
    for col, name, scale in ((2, "extent", 8.0), (3, "opacity", 6.0)):
        mask = ~torch.isnan(y[name])
        if mask.any():
            loss = loss + 2.0 * F.smooth_l1_loss(out[mask, col] / scale, y[name][mask] / scale, beta=0.1)
    return loss


def fit(train: DevSet, epochs: int, seed: int, device: str, progress: Progress, label: str) -> XrayNet:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = XrayNet().to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=5e-4)
    batch_size = 32
    steps = epochs * math.ceil(len(train.images) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.2)
    x_all = torch.from_numpy(train.images)[:, None]
    ys = {k: torch.from_numpy(getattr(train, k)) for k in ("pneumonia", "covid", "extent", "opacity")}
    pos_w = {k: float((1 - ys[k]).sum() / ys[k].sum().clamp_min(1)) for k in ("pneumonia", "covid")}
    task = progress.add_task(label, total=steps)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(x_all), generator=gen)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            if len(idx) < 2:
                continue
            xb = augment(x_all[idx], gen).to(device)
            out = net(xb)
            loss = multitask_loss(out.cpu(), {k: v[idx] for k, v in ys.items()}, pos_w)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            progress.update(task, advance=1, description=f"{label} loss {loss.item():.3f}")
    net.eval()
    return net


def fit_ensemble(
    train: DevSet, epochs: int, seeds: list[int], device: str, progress: Progress, label: str
) -> XrayEnsemble:
    """One member per seed, each with the full recipe (see :class:`XrayEnsemble` for why)."""
    return XrayEnsemble([fit(train, epochs, seed, device, progress, f"{label} seed {seed}") for seed in seeds])


@torch.no_grad()
def predict(net: nn.Module, images: np.ndarray, device: str) -> np.ndarray:
    x = standardise(torch.from_numpy(images)[:, None])
    outs = [net(x[i : i + 64].to(device)).cpu() for i in range(0, len(x), 64)]
    return torch.cat(outs).numpy()


def runs_for(dev: DevSet, which: list[str]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, train index, held-out index) for each requested run."""
    n = len(dev.images)
    everything = np.arange(n)
    runs: list[tuple[str, np.ndarray, np.ndarray]] = []
    for kind in which:  # in the order asked for, so the runs needed first can go first
        if kind == "final":
            runs.append(("final", everything, np.array([], dtype=int)))
        elif kind == "cv":
            folds = dev.frame["fold"].to_numpy()
            for f in sorted(set(folds)):
                runs.append((f"cv{f}", everything[folds != f], everything[folds == f]))
        elif kind == "loso":
            src = dev.frame["source"].to_numpy()
            for s in sorted(set(src)):
                runs.append((f"loso_{s}", everything[src != s], everything[src == s]))
        else:
            raise ValueError(f"unknown run kind {kind!r} (final, cv, loso)")
    return runs


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True, help="the cxr directory (labels.csv, images/)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--runs", default="cv,loso,final")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--seeds", default="20200220,1,2", help="one ensemble member per seed")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    dev = load_devset(args.data)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn()
    ) as progress:
        for name, tr, te in runs_for(dev, args.runs.split(",")):
            t0 = time.time()
            net = fit_ensemble(dev.subset(tr), args.epochs, seeds, args.device, progress, name)
            if name == "final":
                torch.save({"seeds": seeds, "members": [m.state_dict() for m in net.members]}, args.out / "final.pt")
            else:
                np.savez(args.out / f"{name}.npz", index=te, out=predict(net, dev.images[te], args.device))
            print(f"{name}: done in {time.time() - t0:.0f} s", flush=True)
            (args.out / f"{name}.json").write_text(
                json.dumps(
                    {
                        "run": name,
                        "n_train": len(tr),
                        "n_test": len(te),
                        "epochs": args.epochs,
                        "seeds": seeds,
                        "seconds": round(time.time() - t0, 1),
                        "device": args.device,
                        "threads": args.threads,
                    }
                )
            )


if __name__ == "__main__":
    main()
