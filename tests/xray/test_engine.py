"""The science path without the web app: preprocessing, Grad-CAM, ONNX export, training and evaluation."""

from __future__ import annotations

import io
import itertools

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
import torch

from epiaid.xray.engine.cam import colourise, gradcam, overlay
from epiaid.xray.engine.data import DevSet
from epiaid.xray.engine.evaluate import operating_point, source_prior
from epiaid.xray.engine.export import onnx_bytes
from epiaid.xray.engine.metrics import auc, auc_ci, ece, fit_platt
from epiaid.xray.engine.net import ExportWrapper, XrayEnsemble, XrayNet
from epiaid.xray.engine.preprocess import INPUT_SIZE, to_model_input, to_unit_square
from epiaid.xray.engine.synthetic import phantom
from epiaid.xray.engine.train import fit, runs_for


def random_net(seed: int) -> XrayNet:
    torch.manual_seed(seed)
    model = XrayNet()
    with torch.no_grad():  # non-trivial BN statistics and lung prior so the test is not about zeros
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        model.lung_prior.normal_()
    return model.eval()


@pytest.fixture(scope="module", params=["single", "ensemble"])
def net(request: pytest.FixtureRequest) -> XrayNet | XrayEnsemble:
    if request.param == "single":
        return random_net(0)
    return XrayEnsemble([random_net(0), random_net(1), random_net(2)]).eval()


def test_gradcam_from_head_weights_equals_autograd_gradcam(net: XrayNet | XrayEnsemble) -> None:
    x = torch.from_numpy(to_model_input(phantom(256, 0.7, seed=3)))
    fmap = net.forward_features(x).detach().requires_grad_(True)
    compared = 0
    for k, sign in itertools.product(range(2), (1, -1)):  # each logit, for and against
        score = sign * net.outputs(fmap)[0, k]
        (grad,) = torch.autograd.grad(score, fmap)
        alpha = grad[0].mean(dim=(1, 2))  # Grad-CAM channel weights
        reference = torch.relu((alpha[:, None, None] * fmap[0]).sum(0)).detach().numpy()
        if reference.max() <= 0:
            continue
        ours = gradcam(fmap[0].detach().numpy(), sign * net.head_weight[k].detach().numpy())
        np.testing.assert_allclose(ours, reference / reference.max(), atol=1e-5)
        compared += 1
    assert compared > 0


def test_severity_is_the_lung_prior_weighted_involvement_of_the_feature_map_cells() -> None:
    net = random_net(0)
    x = torch.from_numpy(to_model_input(phantom(256, 0.7, seed=3)))
    with torch.no_grad():
        fmap = net.forward_features(x)
        out = net(x)[0]
        involvement = torch.sigmoid(net.severity(fmap))[0]  # (2, 8, 8), each cell 0–1
        prior = torch.softmax(net.lung_prior.flatten(), 0).view(8, 8)
    torch.testing.assert_close(out[2:], 8 * (involvement * prior).sum(dim=(1, 2)))
    assert ((out[2:] >= 0) & (out[2:] <= 8)).all()


def test_an_ensemble_averages_its_members_outputs() -> None:
    members = [random_net(seed) for seed in range(3)]
    x = torch.from_numpy(to_model_input(phantom(256, 0.5, seed=4)))
    with torch.no_grad():
        torch.testing.assert_close(XrayEnsemble(members)(x), torch.stack([m(x) for m in members]).mean(0))


def test_gradcam_of_a_map_with_nothing_positive_is_all_zero() -> None:
    assert not gradcam(-np.ones((4, 3, 3)), np.ones(4)).any()


def test_onnx_export_reproduces_pytorch_and_returns_the_feature_map(net: XrayNet | XrayEnsemble) -> None:
    sess = ort.InferenceSession(onnx_bytes(net), providers=["CPUExecutionProvider"])
    x = to_model_input(phantom(300, 0.4, seed=1))
    outputs, fmap, pooled = sess.run(None, {"image": x})
    with torch.no_grad():
        ref_out, _, _ = ExportWrapper(net)(torch.from_numpy(x))
    np.testing.assert_allclose(outputs, ref_out.numpy(), atol=1e-4)
    assert fmap.shape == (1, net.head_weight.shape[1], INPUT_SIZE // 16, INPUT_SIZE // 16)
    np.testing.assert_allclose(pooled, fmap.mean(axis=(2, 3)), atol=1e-5)


def test_preprocessing_is_invariant_to_grey_level_scale() -> None:
    img = phantom(400, 0.3, seed=2)
    np.testing.assert_allclose(to_model_input(img), to_model_input(img * 4000 + 100), atol=1e-4)


def test_big_images_are_reduced_to_the_input_size_quickly() -> None:
    big = np.kron(phantom(500, 0.2, seed=4), np.ones((6, 6), dtype=np.float32))  # 3000×3000
    assert to_unit_square(big).shape == (INPUT_SIZE, INPUT_SIZE)


def test_overlay_keeps_image_size_and_colours_hot_areas() -> None:
    heat = np.zeros((12, 12), dtype=np.float32)
    heat[6, 6] = 1
    rgb = overlay(np.full((192, 192), 0.5, dtype=np.float32), heat)
    assert rgb.shape == (192, 192, 3)
    assert tuple(colourise(np.array([1.0]))[0]) == (252, 255, 164)


def tiny_devset(n: int = 24) -> DevSet:
    rng = np.random.default_rng(0)
    levels = rng.random(n)
    images = np.stack([to_unit_square(phantom(200, float(v), seed=i)) for i, v in enumerate(levels)])
    frame = pd.DataFrame(
        {"fold": np.arange(n) % 3, "source": np.where(np.arange(n) % 2, "a", "b"), "patient": np.arange(n)}
    )
    return DevSet(
        frame,
        images.astype(np.float32),
        (levels > 0.3).astype(np.float32),
        (levels > 0.6).astype(np.float32),
        (levels * 8).astype(np.float32),
        np.where(levels > 0.5, levels * 6, np.nan).astype(np.float32),
    )


@pytest.mark.slow
def test_training_runs_end_to_end_on_a_tiny_set() -> None:
    from rich.progress import Progress

    torch.set_num_threads(1)
    dev = tiny_devset(12)
    with Progress(disable=True) as progress:
        model = fit(dev, epochs=1, seed=0, device="cpu", progress=progress, label="t")
    with torch.no_grad():
        out = model(torch.from_numpy(to_model_input(dev.images[0])))
    assert out.shape == (1, 4) and torch.isfinite(out).all()


def test_runs_hold_out_whole_folds_and_whole_sources() -> None:
    dev = tiny_devset()
    runs = {name: (tr, te) for name, tr, te in runs_for(dev, ["final", "cv", "loso"])}
    assert set(runs) == {"final", "cv0", "cv1", "cv2", "loso_a", "loso_b"}
    for name, (tr, te) in runs.items():
        assert not set(tr) & set(te)
        if name.startswith("loso_"):
            assert set(dev.frame["source"].iloc[te]) == {name[5:]}
            assert name[5:] not in set(dev.frame["source"].iloc[tr])


def test_source_prior_scores_each_image_by_its_source_rate_in_other_folds() -> None:
    frame = pd.DataFrame({"source": ["a", "a", "b", "b", "a", "b"]})
    y = np.array([1, 1, 0, 0, 1, 1])
    split = np.array([0, 1, 0, 1, 2, 2])
    score = source_prior(frame, y, split)
    assert score[0] == 1.0 and score[2] == 0.5 and score[5] == 0.0
    assert auc(y, score) is not None


def test_auc_is_undefined_with_one_class_and_intervals_resample_patients() -> None:
    assert auc(np.ones(5), np.arange(5)) is None
    y = np.array([0, 0, 1, 1] * 10)
    s = y + np.random.default_rng(0).normal(0, 0.8, len(y))
    lo, hi = auc_ci(y, s, np.arange(len(y)) // 2, n_boot=200) or (0, 0)
    assert lo < auc(y, s) < hi  # type: ignore[operator]


def test_calibration_error_and_platt_scaling() -> None:
    rng = np.random.default_rng(1)
    logit = rng.normal(0, 2, 4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-logit / 2))).astype(int)  # model is twice over-confident
    a, _ = fit_platt(logit, y)
    assert a == pytest.approx(0.5, abs=0.08)
    assert ece(y, 1 / (1 + np.exp(-a * logit))) < ece(y, 1 / (1 + np.exp(-logit)))


def test_operating_point_keeps_the_target_sensitivity() -> None:
    rng = np.random.default_rng(2)
    y = np.r_[np.ones(200), np.zeros(50)]
    p = np.clip(y * 0.3 + rng.random(250) * 0.7, 0, 1)
    op = operating_point(y, p, sensitivity=0.95)
    assert op["oof_sensitivity"] >= 0.95


def test_model_input_is_a_single_float_tensor(tmp_path: object) -> None:
    x = to_model_input(phantom(256))
    assert x.dtype == np.float32 and x.shape == (1, 1, INPUT_SIZE, INPUT_SIZE)
    assert abs(float(x.mean())) < 1e-4
    io.BytesIO(x.tobytes())
