"""A multiplex panel designed from genomes: distinct genes, compatible oligos, outputs a lab can order."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from epiaid.assay.engine import inclusivity, report, thermo

pytest.importorskip("primer3")


def test_panel_has_the_requested_targets_in_different_genes(designed: object) -> None:
    genes = [a.gene for a in designed.panel]  # type: ignore[attr-defined]
    assert len(genes) == 3 and len(set(genes)) == 3


def test_amplicons_are_60_to_150_nt_with_the_probe_inside(designed: object) -> None:
    for amp in designed.panel:  # type: ignore[attr-defined]
        assert 60 <= amp.length <= 150
        assert amp.forward.end <= amp.probe.start and amp.probe.end <= amp.reverse.start


def test_no_cross_dimer_in_the_tube_is_stronger_than_minus_9_kcal(designed: object) -> None:
    oligos = [o.sequence for a in designed.panel for o in a.oligos]  # type: ignore[attr-defined]
    assert min(thermo.heterodimer(a, b) for a, b in itertools.combinations(oligos, 2)) >= -9.0


def test_primers_avoid_positions_that_already_vary_at_their_three_prime_end(designed: object) -> None:
    variable = designed.variability.variable  # type: ignore[attr-defined]
    for amp in designed.panel:  # type: ignore[attr-defined]
        assert not variable[amp.forward.end - 5 : amp.forward.end].any()
        assert not variable[amp.reverse.start : amp.reverse.start + 5].any()


def test_every_design_genome_is_detected_by_every_target(designed: object) -> None:
    rates = inclusivity.panel_detection(designed.placed(), designed.matrix)  # type: ignore[attr-defined]
    assert rates["detected_by_all"] == 1.0


def test_close_neighbour_is_not_predicted_to_amplify(designed: object) -> None:
    rows = designed.exclusivity  # type: ignore[attr-defined]
    assert rows and not any(r.amplifies for r in rows if r.must_exclude)


def test_learned_prior_is_a_probability_for_every_position(designed: object) -> None:
    p = designed.prior.probability  # type: ignore[attr-defined]
    assert p.shape == designed.reference.shape and (p >= 0).all() and (p <= 1).all()  # type: ignore[attr-defined]


def test_outputs_include_order_sheet_bed_and_a_script_free_report(designed: object, tmp_path: Path) -> None:
    paths = report.write_outputs(designed, tmp_path)  # type: ignore[arg-type]
    panel = pd.read_csv(paths["panel.tsv"], sep="\t")
    assert list(panel.columns) == ["target", "oligo", "role", "sequence"]
    assert sorted(set(panel["role"])) == ["forward", "probe", "reverse"]
    order = pd.read_csv(paths["order_sheet.tsv"], sep="\t").fillna("")
    probes = order[order["name"].str.endswith("_P")]
    assert list(probes["modification_5prime"]) == ["FAM", "HEX", "Cy5"]
    assert list(probes["modification_3prime"]) == ["BHQ1", "BHQ1", "BHQ2"]
    assert len(paths["panel.bed"].read_text().strip().splitlines()) == 9
    html = paths["report.html"].read_text()
    assert "<script" not in html and "data:image/png;base64" in html and "Cross-dimer" in html


def test_background_check_flags_an_oligo_whose_three_prime_end_is_in_the_host(designed: object, tmp_path: Path) -> None:
    from epiaid.assay.engine import background, seqio

    oligo = designed.panel[0].forward  # type: ignore[attr-defined]
    host = "ACGTTGCA" * 2000 + seqio.revcomp(oligo.sequence) + "TTGACCAG" * 2000
    (tmp_path / "host.fa").write_text(">chrHost\n" + host + "\n")
    hits = background.screen({oligo.name: oligo.sequence, "other": "GGGGCCCCAAAATTTTGG"}, tmp_path / "host.fa")
    assert [(h.oligo, h.record, h.strand) for h in hits] == [(oligo.name, "chrHost", "-")]
    assert hits[0].position == 16000  # the reverse complement starts with the 3′ end's complement


def test_a_very_variable_virus_still_gets_a_panel_with_a_relaxation_warning(tmp_path: Path) -> None:
    import numpy as np

    from epiaid.assay.engine import design, synthetic

    paths = synthetic.write_dataset(tmp_path, n_genomes=2, bad_records=False)
    reference = paths["reference"].read_text().splitlines()[1]
    rng = np.random.default_rng(3)
    genomes = [synthetic.mutate(rng, reference, 40) for _ in range(120)]
    paths["genomes"].write_text("".join(f">v{i}\n{g}\n" for i, g in enumerate(genomes)))
    result = design.design(design.DesignInput(paths["genomes"], paths["reference"], 2, None, paths["annotation"]))
    assert len(result.panel) == 2
    assert any(w.startswith("relaxed") for w in result.warnings)
