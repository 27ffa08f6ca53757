"""Demo worklist: a dozen real development images when ../shared/data exists, else seeded phantoms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def load_demo(shared: Path | None, log: Callable[[str], None]) -> str:
    from epiaid.xray import services
    from epiaid.xray.engine.infer import MODEL_NAME, WEIGHTS_DIR
    from epiaid.xray.models import Study

    if not (WEIGHTS_DIR / f"{MODEL_NAME}.onnx").exists():
        return "skipped: no model weights shipped (train with `epiaid xray train`)"
    if Study.objects.filter(source=Study.Source.DEMO).exists():
        return "demo studies already loaded"
    items: list[tuple[str, bytes]] = []
    cxr = shared / "cxr" if shared else None
    if cxr is not None and (cxr / "labels.csv").exists():
        import pandas as pd

        frame = pd.read_csv(cxr / "labels.csv")
        picks = frame.groupby("label", group_keys=False).apply(lambda g: g.head(4))
        items = [(Path(f).name, (cxr / f).read_bytes()) for f in picks["file"]]
    else:
        from epiaid.xray.engine.synthetic import phantom, to_dicom

        for i, level in enumerate((0.0, 0.2, 0.5, 0.8, 1.0, 0.0)):
            items.append(
                (
                    f"phantom-{i}.dcm",
                    to_dicom(phantom(384, level, seed=i), patient_id=f"SYN-{i:04d}", monochrome1=i % 2 == 1),
                )
            )
    rejected = 0
    for name, data in items:
        if services.ingest(data, name, Study.Source.DEMO, sender="demo").read is None:
            rejected += 1
    log(f"    xray: {len(items)} demo studies ({rejected} rejected by the input checks)")
    return f"{len(items) - rejected} studies on the worklist"
