"""Which drugs a docking run takes from a ranking: the best ones, plus named reference drugs."""

from __future__ import annotations

from pathlib import Path

import pytest

from epiaid.repurposing.services import shortlist

RANKING = """\
drug_id,target,name,smiles,rank
D1,nsp5_3CLpro_Mpro,Alpha,C,1
D2,nsp5_3CLpro_Mpro,Beta,CC,2
D3,nsp5_3CLpro_Mpro,Atazanavir,CCC,3
D4,nsp5_3CLpro_Mpro,Nirmatrelvir,CCCC,4
D1,spike_RBD,Alpha,C,4
D4,spike_RBD,Nirmatrelvir,CCCC,1
"""


@pytest.fixture
def ranking(tmp_path: Path) -> Path:
    path = tmp_path / "ranking.csv"
    path.write_text(RANKING, encoding="utf-8")
    return path


def test_the_shortlist_is_the_best_ranked_drugs_of_the_matching_target(ranking: Path) -> None:
    assert [d[0] for d in shortlist(ranking, "3cl", 2)] == ["D1", "D2"]
    assert [d[0] for d in shortlist(ranking, "spike", 1)] == ["D4"]


def test_reference_drugs_are_added_by_name_or_id_once(ranking: Path) -> None:
    picked = shortlist(ranking, "3CL", 2, include=("nirmatrelvir", "D1", " atazanavir "))
    assert [d[0] for d in picked] == ["D1", "D2", "D3", "D4"]
    assert picked[3] == ("D4", "Nirmatrelvir", "CCCC")


def test_an_unknown_reference_drug_or_target_is_named(ranking: Path) -> None:
    with pytest.raises(ValueError, match="no drug named aspirin"):
        shortlist(ranking, "3CL", 2, include=("Aspirin",))
    with pytest.raises(ValueError, match="no target matching 'helicase'"):
        shortlist(ranking, "helicase", 2)
