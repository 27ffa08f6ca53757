"""Chest X-ray science code: image decoding, checks, the CNN, training, ONNX inference, DICOM output.

Nothing here imports Django, so the engine runs from scripts, the CLI and benchmarks without the web app.
"""
