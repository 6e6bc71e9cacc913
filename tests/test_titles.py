"""Suggested titles say what is asked of whom ("Governments: fund national child helplines"), never a sentence
fragment, and a person's title is never replaced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker import analysis
from tracker.analysis.evaluate_titles import evaluate
from tracker.analysis.titles import extract_ask, suggest_title, title_form
from tracker.services import editing
from tracker.store import Store
from tracker.store.loading import load_paths

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("text, title", [
    ("Governments should fund national child helplines from the public budget, so that every child can reach "
     "a counsellor.", "Governments: fund national child helplines from the public budget"),
    ("We call on relevant government departments to give guidance to this standard, and look forward to more "
     "beneficial cooperation attempts with industry colleagues.", "Governments: give guidance to this standard"),
    ("International cooperation should be strengthened in the cyber protection of minors. Based on UNICEF's "
     "guidance framework, many countries are developing detailed guidelines.",
     "Strengthen international cooperation in the cyber protection of minors"),
    ("Promoting digital literacy for both children and parents is crucial for ensuring online safety.",
     "Promote digital literacy for both children and parents"),
    ("App stores and search engines to remove or demote nudification apps and services",
     "App stores and search engines: remove or demote nudification apps and services"),
    ("Continued research and data collection on children’s online behaviors, risks, and needs to inform policy",
     "Continue research and data collection on children’s online behaviors"),
])
def test_a_title_is_who_is_called_on_and_what_to_do(text: str, title: str) -> None:
    assert suggest_title([text]) == title
    assert title_form(title)


def test_the_shared_ask_and_its_actor_make_the_title() -> None:
    texts = ["Child helplines are increasingly the first place children turn to after online abuse, yet many "
             "operate on short-term project grants.",
             "We call on governments to fund child helplines from the public budget, so that every child can "
             "reach a trained counsellor.",
             "Governments should secure long-term funding for national child helplines."]
    title = suggest_title(texts)
    assert title.startswith("Governments: ") and "helplines" in title
    assert extract_ask(texts[0]) is None  # a statement asks nothing: it does not name the recommendation


@pytest.mark.parametrize("text, title", [
    # verbs beyond the list the requests of the first pages used, as later pages write them
    ("African Union member states should ratify and domesticate the Malabo Convention and harmonise their laws on "
     "online child sexual exploitation.", "Governments: ratify and domesticate the Malabo Convention"),
    ("The Data Protection Commission should issue guidelines for the schools and the EdTech companies on how to "
     "collect and keep the personal data of pupils.", "Issue guidelines for the schools and the EdTech companies"),
    # a national report's "must to", and a passive whose subject is who the action is done to
    ("The operators of telephony must to propose to the parents simple tools of parental control at the moment "
     "of the sale of a SIM card destined to a child.", "Propose to the parents simple tools of parental control"),
    ("Parents and guardians should be sensitised through community radio, religious gatherings and PTA meetings.",
     "Sensitise parents and guardians"),
    # a passive after "it is suggested that": what is to be done to what (the seeds' R1 read "Improve in the …")
    ("It is suggested that the current draft standard should be improved in the following aspects: (1) "
     "Participation and Inclusion of and for Minors.", "Improve current draft standard in the following aspects"),
    # a question's verb after its subject ("a school" is who acts, not "to school")
    ("How can governments with limited budgets keep child helplines running over the long term?",
     "Governments: keep child helplines running over the long term"),
    ("How should a school respond when pupils create fake sexual images of a classmate?",
     "Schools: respond when pupils create fake sexual images of a classmate"),
])
def test_an_ask_is_read_whatever_its_verb(text: str, title: str) -> None:
    assert suggest_title([text], ["question" if text.endswith("?") else "action"]) == title


def test_most_calls_to_action_of_the_labelled_pages_give_their_ask() -> None:
    """A call whose ask is not read gets "Address <key phrase>". Measured on every call to action of the labelled
    pages: 0.96 of the tune half's, 0.82 of the holdout half's (0.74 and 0.58 before verbs were looked up in a
    lexicon); the rules were revised on the tune half only."""
    labels = json.loads((DATA / "recurrence_labels.json").read_text(encoding="utf-8"))
    holdout = set(labels["split"]["holdout"])
    calls = [e for g in labels["groups"] for e in g["items"]] + labels["alone"]
    for half, floor in (("tune", 0.93), ("holdout", 0.80)):
        mine = [c for c in calls if c["kind"] == "action" and (c["page"] in holdout) == (half == "holdout")]
        read = sum(extract_ask(c["text"], "action") is not None for c in mine)
        assert len(mine) >= 80 and read / len(mine) >= floor, (half, read, len(mine))


def test_the_form_check_refuses_fragments() -> None:
    assert title_form("Governments: fund national child helplines") == "actor: action"
    assert title_form("Strengthen international cooperation") == "action"
    for fragment in ("Emerging technologies introduce intelligent technologies", "Beneficial cooperation attempts",
                     "Governments: fund the helplines of", "Recommendation: cooperation", "Fund helplines (public"):
        assert title_form(fragment) == "", fragment


def test_the_seeds_recommendations_have_titles_a_person_would_keep(analyzed_store: Store) -> None:
    titles = list(analysis.recommendations_frame(analyzed_store)["title"])
    assert len(titles) >= 5
    assert all(title_form(t) for t in titles), titles
    assert sum(title_form(t) == "actor: action" for t in titles) >= 3
    assert not {"Emerging technologies introduce intelligent technologies", "Beneficial cooperation attempts"} & \
        set(titles)


def test_reference_titles_written_by_a_person_are_met_in_form(tmp_path: Path) -> None:
    reference = json.loads((DATA / "reference_titles.json").read_text(encoding="utf-8"))
    assert len(reference["groups"]) == 25 and all(len(g["calls"]) >= 2 for g in reference["groups"])
    score = evaluate(DATA / "reference_titles.json")
    # every machine title starts with an actor or a verb, holds a verb, and ends on no dangling word
    assert score.in_form == score.n, [m for _, m, form, _ in score.rows if not form]
    assert score.with_actor >= 10
    assert score.overlap >= 0.35  # measured 0.42 (the keyphrase titles before: 0.38, and 5 of 25 in form)


def test_a_persons_title_is_never_replaced(analyzed_store: Store, tmp_path: Path) -> None:
    recs = analysis.recommendations_frame(analyzed_store)
    rec_id = recs["rec_id"].iat[0]
    editing.set_recommendation(analyzed_store, rec_id, by="Ana", title="Our own words for it")
    assert load_paths([DATA / "pages" / "2025_open_forum_31.txt"], analyzed_store).ok
    analysis.analyze(analyzed_store)
    for item_id in analysis.review_queue(analyzed_store)["item_id"]:
        analysis.accept(analyzed_store, item_id, by="Bo")
    plan = analysis.plan_reanalysis(analyzed_store)
    analysis.apply_plan(analyzed_store, plan, by="Bo")
    after = analysis.recommendations_frame(analyzed_store).set_index("rec_id")
    assert after.loc[rec_id, "title"] == "Our own words for it" and after.loc[rec_id, "title_by"] == "Ana"


def test_a_policy_question_comes_from_the_calls_ask_not_from_a_title() -> None:
    texts = ["We call on governments to fund child helplines from the public budget.",
             "Governments should secure long-term funding for national child helplines."]
    assert suggest_title(texts).startswith("Governments: fund child helplines")
    from tracker.analysis.titles import policy_question

    assert policy_question(texts) == "What would it take for governments to fund child helplines from the public " \
                                     "budget?"
    assert policy_question(["Many parents feel unable to guide their children online."]) == ""
