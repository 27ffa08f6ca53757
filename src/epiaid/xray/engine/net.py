"""A compact ResNet-style CNN with one global-average-pool and a linear multi-task head.

The head layout is deliberate: with ``logits = W · GAP(A) + b`` the gradient of an output with respect
to the last feature map ``A`` is ``W[k] / (h·w)`` at every position, so Grad-CAM's channel weights are
exactly the head weights (up to a positive constant) and Grad-CAM equals CAM. The exported ONNX graph
therefore returns the feature map beside the outputs and the heatmap is computed in NumPy at inference
without autograd (see :mod:`epiaid.xray.engine.cam`).
"""

from __future__ import annotations

import torch
from torch import nn

#: Output order of the head: pneumonia/opacity logit, COVID-pattern logit, extent 0–8, opacity 0–6.
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

    def __init__(self, widths: tuple[int, ...] = (16, 32, 64, 128), dropout: float = 0.3) -> None:
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
        self.head = nn.Linear(c_in, len(OUTPUTS))

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(self.stem(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.forward_features(x).mean(dim=(2, 3))
        return self.head(self.dropout(pooled))


class ExportWrapper(nn.Module):
    """What goes into ONNX: outputs plus the last feature map (for CAM) and the pooled features (for OOD)."""

    def __init__(self, net: XrayNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        fmap = self.net.forward_features(x)
        pooled = fmap.mean(dim=(2, 3))
        return self.net.head(pooled), fmap, pooled
