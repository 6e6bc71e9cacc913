"""The analysis's entry points as people use them, each with the role it needs (``services/access.py``):
runs and re-analyses (admin), decisions on recommendations and suggestions (editor). Called with
``actor=`` the signed-in person; what they do is ``tracker.analysis``."""

from __future__ import annotations

from .. import analysis
from ..analysis import recommendations as recs
from .access import requires

analyze = requires("admin", "run the analysis")(analysis.analyze)
plan_reanalysis = requires("admin", "re-analyze everything")(analysis.plan_reanalysis)
apply_plan = requires("admin", "apply a re-analysis")(analysis.apply_plan)
reset_learning = requires("admin", "reset what the analysis learned")(analysis.reset_learning)
set_item_themes = requires("editor", "correct an item's themes")(analysis.set_item_themes)

accept = requires("editor", "accept a suggestion")(recs.accept)
reject = requires("editor", "reject a suggestion")(recs.reject)
move_item = requires("editor", "move a call to another recommendation")(recs.move_item)
start_recommendation = requires("editor", "start a recommendation")(recs.start_recommendation)
choose = requires("editor", "choose a recommendation")(recs.choose)
none_of_these = requires("editor", "start a recommendation")(recs.none_of_these)
merge_recommendations = requires("editor", "merge recommendations")(recs.merge_recommendations)
accept_all = requires("editor", "accept suggestions")(recs.accept_all)

__all__ = ["accept", "accept_all", "analyze", "apply_plan", "choose", "merge_recommendations", "move_item",
           "none_of_these", "plan_reanalysis", "reject", "reset_learning", "set_item_themes",
           "start_recommendation"]
