"""Decoding DICOM/PNG/JPEG into display-ready pixels, and refusing what must not be scored."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pydicom
import pytest
from PIL import Image

from epiaid.xray.engine.imaging import ImageRejected, load_image
from epiaid.xray.engine.quality import check_pixels
from tests.xray.conftest import png_bytes


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def rejection(data: bytes, filename: str = "") -> ImageRejected:
    with pytest.raises(ImageRejected) as info:
        load_image(data, filename)
    return info.value


def test_monochrome2_12_bit_dicom_decodes_to_the_original_image(
    chest: np.ndarray, make_dicom: Callable[..., bytes]
) -> None:
    image = load_image(make_dicom(bits=12))
    assert image.kind == "dicom" and image.meta["bits_stored"] == 12
    assert correlation(image.pixels, chest) > 0.999


def test_monochrome1_is_inverted_so_bone_stays_bright(chest: np.ndarray, make_dicom: Callable[..., bytes]) -> None:
    image = load_image(make_dicom(monochrome1=True))
    assert image.meta["photometric"] == "MONOCHROME1"
    assert correlation(image.pixels, chest) > 0.999


def test_rle_compressed_16_bit_dicom_decodes(chest: np.ndarray, make_dicom: Callable[..., bytes]) -> None:
    data = make_dicom(bits=16, rle=True)
    assert pydicom.dcmread(io.BytesIO(data)).file_meta.TransferSyntaxUID == pydicom.uid.RLELossless
    assert correlation(load_image(data).pixels, chest) > 0.999


def test_window_level_in_the_header_is_applied(make_dicom: Callable[..., bytes]) -> None:
    image = load_image(make_dicom(window=(1024, 512)))
    assert float(image.pixels.max()) - float(image.pixels.min()) > 0
    assert np.mean(image.pixels == image.pixels.max()) > 0.05  # bright parts clip at the window's top


def test_ct_is_rejected_as_wrong_modality(make_dicom: Callable[..., bytes]) -> None:
    assert rejection(make_dicom(modality="CT")).code == "wrong_modality"


@pytest.mark.parametrize("view", ["LL", "RL", "LATERAL"])
def test_lateral_views_are_rejected(make_dicom: Callable[..., bytes], view: str) -> None:
    err = rejection(make_dicom(view=view))
    assert err.code == "lateral_view" and view in err.reason


def test_other_body_parts_are_rejected(make_dicom: Callable[..., bytes]) -> None:
    assert rejection(make_dicom(body_part="KNEE")).code == "not_chest"


def test_dicom_without_pixel_data_is_rejected(make_dicom: Callable[..., bytes]) -> None:
    assert rejection(make_dicom(with_pixels=False)).code == "no_pixel_data"


def test_truncated_dicom_is_rejected_with_the_transfer_syntax(chest_dicom: bytes) -> None:
    err = rejection(chest_dicom[: len(chest_dicom) // 2])
    assert err.code == "undecodable_pixels" and "transfer syntax" in err.reason


def test_garbage_after_a_dicom_preamble_is_rejected() -> None:
    assert rejection(b"\x00" * 128 + b"DICM" + bytes(range(256)) * 4).code in {"corrupt_dicom", "no_pixel_data"}


def test_huge_images_are_refused_from_the_header_before_decoding(make_dicom: Callable[..., bytes]) -> None:
    ds = pydicom.dcmread(io.BytesIO(make_dicom()))
    ds.Rows, ds.Columns = 60000, 60000
    buf = io.BytesIO()
    ds.save_as(buf)
    assert rejection(buf.getvalue()).code == "too_many_pixels"


@pytest.mark.parametrize("payload", [b"", b"name,age\n\xed\x99\x8d,3\n", b"%PDF-1.4 not an image"])
def test_non_image_uploads_are_rejected(payload: bytes) -> None:
    assert rejection(payload, "upload.csv").code in {"empty", "not_an_image"}


def test_png_and_jpeg_decode(chest: np.ndarray, chest_png: bytes) -> None:
    assert correlation(load_image(chest_png).pixels, chest) > 0.99
    buf = io.BytesIO()
    Image.fromarray((chest * 255).astype(np.uint8)).save(buf, format="JPEG", quality=90)
    image = load_image(buf.getvalue())
    assert image.kind == "jpeg" and correlation(image.pixels, chest) > 0.98


def test_16_bit_png_keeps_its_depth(chest: np.ndarray) -> None:
    buf = io.BytesIO()
    Image.fromarray((chest * 65535).astype(np.uint16)).save(buf, format="PNG")
    assert load_image(buf.getvalue()).pixels.max() > 255


def test_colour_photographs_are_rejected() -> None:
    rgb = np.zeros((256, 256, 3), dtype=np.uint8)
    rgb[..., 0] = np.linspace(0, 255, 256)[None, :]
    rgb[..., 2] = np.linspace(255, 0, 256)[:, None]
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    assert rejection(buf.getvalue()).code == "colour_image"


def test_corrupt_png_is_rejected() -> None:
    assert rejection(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).code == "corrupt_image"


def test_tiny_images_are_rejected() -> None:
    assert rejection(png_bytes(np.random.default_rng(0).random((32, 32)))).code == "too_small"


def test_blank_and_binary_images_fail_the_pixel_check() -> None:
    with pytest.raises(ImageRejected, match="blank"):
        check_pixels(np.full((256, 256), 7.0))
    page = np.ones((300, 300))
    page[::10] = 0  # lines of "text": black and white only
    with pytest.raises(ImageRejected) as info:
        check_pixels(page)
    assert info.value.code == "not_radiograph"


def test_elongated_images_are_rejected() -> None:
    with pytest.raises(ImageRejected) as info:
        check_pixels(np.random.default_rng(0).random((100, 400)))
    assert info.value.code == "bad_aspect"


def test_korean_patient_names_survive_the_round_trip(make_dicom: Callable[..., bytes]) -> None:
    ds = pydicom.dcmread(io.BytesIO(make_dicom()))
    assert str(ds.PatientName) == "홍길동"


def test_left_right_antisymmetric_patterns_are_not_frontal_films(chest: np.ndarray) -> None:
    ramp = np.tile(np.linspace(0, 1, 300), (300, 1))
    with pytest.raises(ImageRejected) as info:
        check_pixels(ramp)
    assert info.value.code == "not_frontal"
    check_pixels(chest)  # the phantom is symmetric and passes
