"""Export the trained network to ONNX with everything inference needs beside it.

``python -m epiaid.xray.engine.export --data ../shared/data/cxr --out var/xray-train`` reads
``final.pt`` and ``evaluation.json`` and writes ``weights/xray_cnn.onnx`` + ``weights/xray_cnn.json``
(calibration, operating point, severity recalibration, head weights for Grad-CAM, and the training
images' pooled-feature statistics for the out-of-distribution check), then checks ONNX Runtime
reproduces PyTorch.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from epiaid.xray.engine.data import load_devset
from epiaid.xray.engine.infer import MODEL_NAME, WEIGHTS_DIR
from epiaid.xray.engine.net import OUTPUTS, ExportWrapper, XrayEnsemble, XrayNet
from epiaid.xray.engine.preprocess import INPUT_SIZE
from epiaid.xray.engine.train import standardise


def onnx_bytes(net: XrayNet | XrayEnsemble, size: int = INPUT_SIZE) -> bytes:
    """The legacy TorchScript exporter (dynamo=False): it needs no onnxscript, which is not installed."""
    wrapper = ExportWrapper(net).eval()
    buf = io.BytesIO()
    torch.onnx.export(
        wrapper,
        (torch.zeros(1, 1, size, size),),
        buf,  # type: ignore[arg-type]  # file objects work
        dynamo=False,
        opset_version=17,
        input_names=["image"],
        output_names=["outputs", "feature_map", "pooled"],
        dynamic_axes={
            "image": {0: "batch"},
            "outputs": {0: "batch"},
            "feature_map": {0: "batch"},
            "pooled": {0: "batch"},
        },
    )
    return buf.getvalue()


def ood_statistics(net: XrayNet | XrayEnsemble, images: np.ndarray) -> dict[str, Any]:
    """Per-feature mean/std of pooled features on the training images and a generous threshold.

    The score is the mean squared z-score; the threshold is three times the 99.5th percentile on the
    training images (at least 1.5× the farthest training image), so real frontal radiographs from new
    sites pass while noise, photographs and documents (far from every training image) do not.
    """
    with torch.no_grad():
        x = standardise(torch.from_numpy(images)[:, None])
        pooled = torch.cat([ExportWrapper(net)(x[i : i + 64])[2] for i in range(0, len(x), 64)]).numpy()
    mean, std = pooled.mean(0), pooled.std(0) + 1e-3
    score = np.mean(((pooled - mean) / std) ** 2, axis=1)
    threshold = max(3 * float(np.percentile(score, 99.5)), 1.5 * float(score.max()))
    return {
        "mean": mean.tolist(),
        "std": std.tolist(),
        "threshold": threshold,
        "train_score_p50": float(np.median(score)),
        "train_score_max": float(score.max()),
    }


def load_final(path: Path) -> tuple[XrayEnsemble, list[int]]:
    """The final run's members (``final.pt`` from :mod:`epiaid.xray.engine.train`) as one ensemble, and their seeds."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    members = []
    for state in saved["members"]:
        member = XrayNet()
        member.load_state_dict(state)
        members.append(member)
    return XrayEnsemble(members).eval(), [int(s) for s in saved["seeds"]]


def provisional_evaluation() -> dict[str, Any]:
    """Identity calibration and a 0.5 threshold, used only before cross-validation has finished."""
    ident = {"a": 1.0, "b": 0.0}
    return {
        "provisional": True,
        "calibration_params": {"pneumonia": ident, "covid": ident},
        "operating_point": {"p_pneumonia_threshold": 0.5},
        "grouped_cv": {"severity": {"extent": {"recalibration": ident}, "opacity": {"recalibration": ident}}},
    }


def export(data: Path, out: Path, weights_dir: Path = WEIGHTS_DIR) -> dict[str, Any]:
    net, seeds = load_final(out / "final.pt")
    evaluation = provisional_evaluation()
    if (out / "evaluation.json").exists():
        evaluation = json.loads((out / "evaluation.json").read_text())
    dev = load_devset(data)
    blob = onnx_bytes(net)
    weights_dir.mkdir(parents=True, exist_ok=True)
    (weights_dir / f"{MODEL_NAME}.onnx").write_bytes(blob)
    sev = evaluation["grouped_cv"]["severity"]
    meta = {
        "provisional": bool(evaluation.get("provisional", False)),
        "model": MODEL_NAME,
        "sha256": hashlib.sha256(blob).hexdigest(),
        "input_size": INPUT_SIZE,
        "outputs": list(OUTPUTS),
        "seeds": seeds,
        "head_weights": net.head_weight.detach().numpy().tolist(),
        "calibration": evaluation["calibration_params"],
        "severity_calibration": {k: sev[k]["recalibration"] for k in ("extent", "opacity")},
        "operating_point": evaluation["operating_point"],
        "ood": ood_statistics(net, dev.images),
    }
    (weights_dir / f"{MODEL_NAME}.json").write_text(json.dumps(meta, indent=1))
    if not meta["provisional"]:  # the evidence travels with the weights
        (weights_dir / "evaluation.json").write_text(json.dumps(evaluation, indent=2))
        if (out / "reliability.png").exists():
            (weights_dir / "reliability.png").write_bytes((out / "reliability.png").read_bytes())
    # ONNX Runtime must reproduce PyTorch on real images.
    import onnxruntime as ort

    sess = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    x = standardise(torch.from_numpy(dev.images[:16])[:, None])
    with torch.no_grad():
        ref = net(x).numpy()
    got = sess.run(["outputs"], {"image": x.numpy()})[0]
    diff = float(np.abs(ref - got).max())
    if diff > 1e-3:
        raise SystemExit(f"ONNX Runtime differs from PyTorch by {diff}")
    return {"sha256": meta["sha256"], "bytes": len(blob), "max_abs_diff_vs_torch": diff}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--weights", type=Path, default=WEIGHTS_DIR)
    args = ap.parse_args(argv)
    print(json.dumps(export(args.data, args.out, args.weights), indent=2))


if __name__ == "__main__":
    main()
