"""Geography shared by every capability: great-circle distance and coordinate sanity checks.

Distances use the haversine formula on a sphere of the IUGG mean Earth radius. Every capability
(the map's nearest clinic, the mask radius query, contact tracing) uses these same functions so that
"within 1 km" means the same thing everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8

#: Generous bounding box of South Korea including Jeju, Ulleungdo and Dokdo.
KOREA_LAT = (33.0, 39.0)
KOREA_LNG = (124.0, 132.0)


class CoordinateError(ValueError):
    """A coordinate is missing, malformed, out of range or outside the expected area."""


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_m_array(
    lat1: float | npt.NDArray[np.float64],
    lng1: float | npt.NDArray[np.float64],
    lat2: float | npt.NDArray[np.float64],
    lng2: float | npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Vectorised haversine; identical arithmetic to :func:`haversine_m`."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lng2) - np.asarray(lng1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a))))


@dataclass(frozen=True)
class BBox:
    south: float
    west: float
    north: float
    east: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """Parse ``west,south,east,north`` (the GeoJSON / Leaflet ``toBBoxString`` order)."""
        try:
            west, south, east, north = (float(v) for v in text.split(","))
        except ValueError as exc:
            raise CoordinateError(f"bbox must be 'west,south,east,north' numbers, got {text!r}") from exc
        if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
            raise CoordinateError(f"bbox {text!r} is not a valid west,south,east,north box")
        return cls(south=south, west=west, north=north, east=east)

    def around(self, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east


def metres_to_degree_box(lat: float, lng: float, metres: float) -> BBox:
    """A lat/lng box that surely contains every point within ``metres`` (a prefilter, never the answer)."""
    dlat = math.degrees(metres / EARTH_RADIUS_M) * 1.0001
    dlng = dlat / max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 1e-6)
    return BBox(south=lat - dlat, west=lng - dlng, north=lat + dlat, east=lng + dlng)


def parse_float(value: object, field: str) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CoordinateError(f"{field} is missing")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"{field} is not a number: {value!r}") from exc
    if math.isnan(number) or math.isinf(number):
        raise CoordinateError(f"{field} is not a finite number: {value!r}")
    return number


def in_korea(lat: float, lng: float) -> bool:
    return KOREA_LAT[0] <= lat <= KOREA_LAT[1] and KOREA_LNG[0] <= lng <= KOREA_LNG[1]


def check_korea(
    lat: object, lng: object, *, lat_field: str = "latitude", lng_field: str = "longitude"
) -> tuple[float, float]:
    """Validate a coordinate meant to lie in Korea; names swapped lat/lng explicitly."""
    la, lo = parse_float(lat, lat_field), parse_float(lng, lng_field)
    if in_korea(la, lo):
        return la, lo
    if in_korea(lo, la):
        raise CoordinateError(f"{lat_field}/{lng_field} look swapped: ({la}, {lo}) is ({lo}, {la}) in Korea")
    raise CoordinateError(
        f"({la}, {lo}) is outside Korea ({lat_field} {KOREA_LAT[0]}–{KOREA_LAT[1]}, "
        f"{lng_field} {KOREA_LNG[0]}–{KOREA_LNG[1]})"
    )


def check_world(lat: object, lng: object) -> tuple[float, float]:
    la, lo = parse_float(lat, "latitude"), parse_float(lng, "longitude")
    if not -90 <= la <= 90:
        raise CoordinateError(f"latitude {la} is outside -90..90")
    if not -180 <= lo <= 180:
        raise CoordinateError(f"longitude {lo} is outside -180..180")
    return la, lo
