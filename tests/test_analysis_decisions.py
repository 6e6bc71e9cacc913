"""People overrule the machine: confirm, split, merge and theme corrections survive re-analysis and reloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker import analysis
from tracker.analysis import AnalysisError
from tracker.loader import load_paths
from tracker.store import Store

COOP_2022 = "e4371e64ce8c6019"
COOP_Q_2024 = "a7f9d2f3b3e6c3d4"
LITERACY = "82f020bac18b029d"  # "Promoting digital literacy for both children and parents …"
LITERACY_Q = "f272d06296fedb1e"
RESEARCH = "78398a6d02aada4d"


@pytest.fixture
def analyzed(seed_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("TRACKER_EMBEDDINGS", "off")  # decisions do not depend on the mode; lexical is fastest
    analysis.analyze(seed_store)
    return seed_store


def gid(store: Store, item_id: str) -> str:
    return analysis.item_annotations(store).set_index("id").loc[item_id, "group_id"]


def group(store: Store, item_id: str):
    return analysis.groups_frame(store).set_index("group_id").loc[gid(store, item_id)]


def reload_and_analyze(store: Store, seeds_dir: Path) -> None:
    for page in seeds_dir.iterdir():  # touch every file so the loader really re-reads them
        page.write_bytes(page.read_bytes() + b"\n")
    report = load_paths([seeds_dir], store)
    assert report.count("updated") == 5, report.summary()
    analysis.analyze(store)


def test_split_survives_reanalysis_and_reload(analyzed: Store, seeds_dir: Path) -> None:
    assert gid(analyzed, COOP_Q_2024) == gid(analyzed, COOP_2022)
    analysis.split_item(analyzed, COOP_Q_2024, by="ana")
    assert gid(analyzed, COOP_Q_2024) != gid(analyzed, COOP_2022)  # shows at once
    assert group(analyzed, COOP_Q_2024)["n_items"] == 1
    assert group(analyzed, COOP_2022)["years"] == [2022, 2023, 2024]  # still the 2024 takeaway
    analysis.analyze(analyzed)
    assert gid(analyzed, COOP_Q_2024) != gid(analyzed, COOP_2022)
    reload_and_analyze(analyzed, seeds_dir)
    assert gid(analyzed, COOP_Q_2024) != gid(analyzed, COOP_2022)


def test_merge_and_confirm_survive_reanalysis_and_reload(analyzed: Store, seeds_dir: Path) -> None:
    assert gid(analyzed, LITERACY) != gid(analyzed, RESEARCH)
    analysis.merge_groups(analyzed, gid(analyzed, LITERACY), gid(analyzed, RESEARCH), by="ben")
    merged = gid(analyzed, LITERACY)
    assert merged == gid(analyzed, RESEARCH) == gid(analyzed, LITERACY_Q)
    assert group(analyzed, LITERACY)["confirmed"]  # a person joined them: every member is covered
    analysis.confirm_group(analyzed, gid(analyzed, COOP_2022), by="ana")
    coop = gid(analyzed, COOP_2022)
    assert group(analyzed, COOP_2022)["confirmed"]

    analysis.analyze(analyzed)
    assert gid(analyzed, LITERACY) == gid(analyzed, RESEARCH) == merged  # same members, same id
    assert gid(analyzed, COOP_2022) == coop and group(analyzed, COOP_2022)["confirmed"]
    reload_and_analyze(analyzed, seeds_dir)
    assert gid(analyzed, LITERACY) == gid(analyzed, RESEARCH)
    assert group(analyzed, COOP_2022)["confirmed"] and group(analyzed, COOP_2022)["n_sessions"] == 3


def test_later_decision_wins(analyzed: Store) -> None:
    analysis.split_item(analyzed, COOP_Q_2024, by="ana")
    analysis.merge_groups(analyzed, gid(analyzed, COOP_Q_2024), gid(analyzed, COOP_2022), by="ben")
    analysis.analyze(analyzed)
    assert gid(analyzed, COOP_Q_2024) == gid(analyzed, COOP_2022)


def test_theme_correction_survives_reanalysis_and_reload(analyzed: Store, seeds_dir: Path) -> None:
    wanted = ["Research and data", "Digital literacy and parenting"]
    analysis.set_item_themes(analyzed, LITERACY, wanted, by="cai")
    notes = analysis.item_annotations(analyzed).set_index("id")
    assert notes.loc[LITERACY, "themes"] == wanted and notes.loc[LITERACY, "themes_by"] == "cai"
    analysis.analyze(analyzed)
    reload_and_analyze(analyzed, seeds_dir)
    notes = analysis.item_annotations(analyzed).set_index("id")
    assert notes.loc[LITERACY, "themes"] == wanted and notes.loc[LITERACY, "themes_by"] == "cai"
    heat = analysis.theme_year_frame(analyzed)
    assert not heat[(heat["theme"] == "Research and data") & (heat["year"] == 2024)].empty


def test_bad_decisions_are_refused_and_write_nothing(analyzed: Store) -> None:
    with pytest.raises(AnalysisError, match="unknown theme"):
        analysis.set_item_themes(analyzed, LITERACY, ["Space travel"], by="cai")
    with pytest.raises(AnalysisError, match="unknown group"):
        analysis.confirm_group(analyzed, "g-nope", by="cai")
    with pytest.raises(AnalysisError, match="unknown item"):
        analysis.split_item(analyzed, "nope", by="cai")
    with pytest.raises(AnalysisError, match="who decides"):
        analysis.confirm_group(analyzed, gid(analyzed, COOP_2022), by=" ")
    with pytest.raises(AnalysisError, match="two different groups"):
        analysis.merge_groups(analyzed, gid(analyzed, COOP_2022), gid(analyzed, COOP_2022), by="cai")
    assert analyzed.scalar("SELECT count(*) FROM analysis_decisions") == 0


def test_group_ids_are_stable_while_membership_is(analyzed: Store) -> None:
    before = analysis.groups_frame(analyzed)[["group_id", "label"]]
    analysis.analyze(analyzed)
    after = analysis.groups_frame(analyzed)[["group_id", "label"]]
    assert sorted(before["group_id"]) == sorted(after["group_id"])
