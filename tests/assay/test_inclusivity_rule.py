"""The scoring rule: at risk when a primer's last 5 bases at the 3′ end mismatch, or any oligo has ≥ 2."""

from __future__ import annotations

import numpy as np

from epiaid.assay.engine import inclusivity, seqio

REF = "AAAAACCCCCGGGGGTTTTTACGTACGTACGTAAAAA"


def _genome(changes: dict[int, str]) -> np.ndarray:
    seq = list(REF)
    for pos, base in changes.items():
        seq[pos] = base
    return seqio.encode("".join(seq))[None, :]


def _forward() -> inclusivity.PlacedOligo:
    return inclusivity.PlacedOligo("a", "F", "forward", REF[5:25], 5, 25, "+")


def _reverse() -> inclusivity.PlacedOligo:
    return inclusivity.PlacedOligo("a", "R", "reverse", seqio.revcomp(REF[5:25]), 5, 25, "-")


def test_one_mismatch_far_from_the_three_prime_end_is_tolerated() -> None:
    assert not inclusivity.oligo_risk(_forward(), _genome({6: "A"}))[0][0]


def test_a_mismatch_in_the_last_five_bases_breaks_a_forward_primer() -> None:
    assert inclusivity.oligo_risk(_forward(), _genome({22: "A"}))[0][0]


def test_reverse_primer_three_prime_end_is_at_the_left_on_the_reference() -> None:
    assert inclusivity.oligo_risk(_reverse(), _genome({6: "A"}))[0][0]
    assert not inclusivity.oligo_risk(_reverse(), _genome({22: "A"}))[0][0]


def test_two_mismatches_anywhere_break_a_probe() -> None:
    probe = inclusivity.PlacedOligo("a", "P", "probe", REF[5:25], 5, 25, "+")
    assert not inclusivity.oligo_risk(probe, _genome({23: "A"}))[0][0]
    assert inclusivity.oligo_risk(probe, _genome({8: "A", 12: "A"}))[0][0]


def test_deletions_count_as_mismatches_and_unknown_bases_do_not() -> None:
    assert inclusivity.oligo_risk(_forward(), _genome({24: "-"}))[0][0]
    assert not inclusivity.oligo_risk(_forward(), _genome({24: "N", 23: "N"}))[0][0]


def test_degenerate_oligo_bases_match_any_of_their_bases() -> None:
    degenerate = REF[5:24] + "N"
    oligo = inclusivity.PlacedOligo("a", "F", "forward", degenerate, 5, 25, "+")
    assert not inclusivity.oligo_risk(oligo, _genome({24: "A"}))[0][0]


def test_oligo_without_coordinates_is_located_on_either_strand() -> None:
    ref = seqio.encode(REF)
    assert inclusivity.locate(REF[10:30], ref)[:3] == (10, 30, "+")
    assert inclusivity.locate(seqio.revcomp(REF[10:30]), ref)[:3] == (10, 30, "-")


def test_surveillance_names_the_position_that_breaks_an_assay() -> None:
    matrix = np.vstack([_genome({}), _genome({22: "A"}), _genome({22: "A"})])
    table, breaks = inclusivity.surveil([_forward()], matrix, ["ok", "bad1", "bad2"], seqio.encode(REF))
    assert table.loc[0, "at_risk"] == 2
    assert breaks["a"][0]["position"] == 23
    assert breaks["a"][0]["distance_from_3prime"] == 3
