"""A compact ResNet-style CNN with two heads on its last feature map: findings and severity.

Findings (pneumonia, COVID pattern) come from one global-average-pool and a linear head. That layout is
deliberate: with ``logits = W · GAP(A) + b`` the gradient of a logit with respect to the last feature
map ``A`` is ``W[k] / (h·w)`` at every position, so Grad-CAM's channel weights are exactly the head
weights (up to a positive constant) and Grad-CAM equals CAM. The exported ONNX graph therefore returns
the feature map beside the outputs and the heatmap is computed in NumPy at inference without autograd
(see :mod:`epiaid.xray.engine.cam`).

Severity is spatial, because the radiologists' scores are: geographic extent and opacity are graded
per lung zone and summed. Each cell of the 8×8 feature map gets an involvement score in 0–1 (a 1×1
convolution and a sigmoid), and severity is their mean weighted by a learnt lung prior (a softmax over
the cells: where lungs usually lie on a frontal film), times 8. Out of fold, against regressing severity
from the pooled vector, it gained little on severity itself (three-seed ensembles: extent r 0.718 vs
0.702) but more on the findings sharing the trunk (pneumonia AUC 0.856 vs 0.830, COVID 0.693 vs 0.618;
MODEL_CARD.md, "Tried").

The shipped model is an :class:`XrayEnsemble` of such networks trained from different seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch
from torch import nn

#: Output order: pneumonia/opacity logit, COVID-pattern logit, extent and opacity (raw, before the
#: linear recalibration to the radiologists' 0–8 and 0–6 scales that the sidecar JSON carries).
OUTPUTS: tuple[str, ...] = ("pneumonia_logit", "covid_logit", "extent", "opacity")


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.act = nn.ReLU(inplace=True)
        self.skip: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.skip = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act(out + self.skip(x))


class XrayNet(nn.Module):
    """~0.3 M parameters; 128 px input -> 8×8 feature map (stride 16) for a usable heatmap."""

    def __init__(self, widths: tuple[int, ...] = (16, 32, 64, 128), dropout: float = 0.3, grid: int = 8) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(1, widths[0], 5, 2, 2, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True)
        )
        layers: list[nn.Module] = []
        c_in = widths[0]
        for i, c_out in enumerate(widths):
            layers.append(BasicBlock(c_in, c_out, stride=1 if i == 0 else 2))
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(c_in, 2)  # pneumonia, COVID logits
        self.severity = nn.Conv2d(c_in, 2, 1)  # per-cell extent and opacity involvement
        self.severity_dropout = nn.Dropout2d(0.1)
        self.lung_prior = nn.Parameter(torch.zeros(grid, grid))  # uniform at the start

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(self.stem(x))

    def outputs(self, fmap: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) feature map -> (N, 4) in :data:`OUTPUTS` order."""
        logits = self.head(self.dropout(fmap.mean(dim=(2, 3))))
        involvement = torch.sigmoid(self.severity(self.severity_dropout(fmap)))
        prior = torch.softmax(self.lung_prior.flatten(), 0).view(1, 1, *self.lung_prior.shape)
        severity = (involvement * prior).sum(dim=(2, 3)) * 8.0
        return torch.cat([logits, severity], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.outputs(self.forward_features(x))

    @property
    def head_weight(self) -> torch.Tensor:
        """(2, C) findings-head weights: Grad-CAM's channel weights (see the module docstring)."""
        return self.head.weight


class XrayEnsemble(nn.Module):
    """Members trained from different seeds, with their outputs averaged.

    Why: on 473 films one seed's out-of-fold severity r swings by ±0.035 and its COVID AUC by ±0.02, so a
    single network's numbers are partly luck; the average is steadier and better on the findings. It
    keeps the findings head exactly GAP + linear, so Grad-CAM stays exact: the mean of the members'
    logits is one linear head, with weights ``W_m / M``, over the members' feature maps stacked along the
    channel axis (:attr:`head_weight`), and that stacked map is what :meth:`forward_features` returns.
    """

    def __init__(self, members: Sequence[XrayNet]) -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = nn.ModuleList(members)

    @property
    def nets(self) -> list[XrayNet]:
        """The members, typed (``nn.ModuleList`` yields plain modules)."""
        return [cast(XrayNet, member) for member in self.members]

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([member.forward_features(x) for member in self.nets], 1)

    def outputs(self, fmap: torch.Tensor) -> torch.Tensor:
        parts = fmap.chunk(len(self.nets), 1)
        return torch.stack([m.outputs(part) for m, part in zip(self.nets, parts, strict=True)]).mean(0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.outputs(self.forward_features(x))

    @property
    def head_weight(self) -> torch.Tensor:
        """(2, M·C) findings-head weights over the stacked feature map, for Grad-CAM."""
        return torch.cat([member.head_weight for member in self.nets], 1) / len(self.nets)


class ExportWrapper(nn.Module):
    """What goes into ONNX: outputs plus the last feature map (for CAM) and the pooled features (for OOD)."""

    def __init__(self, net: XrayNet | XrayEnsemble) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        fmap = self.net.forward_features(x)
        return self.net.outputs(fmap), fmap, fmap.mean(dim=(2, 3))
