"""A short title suggested for a recommendation from its calls, which people then edit.

A title says what is asked of whom, as organizers write them: "Governments: fund national child helplines",
or "Strengthen international cooperation on child online protection" when no one is named. It is built from
each call's extracted ask: who is called on (``addressees.extract_addressee``), the requested action (a verb
in its base form) and its object, cut at the first subordinate clause and never ending on a function word.
Rules over the text find the ask ("call on X to V …", "it is recommended that X V …", "X should V …",
"X to V …", "V-ing … is crucial", "… should be V-ed", "how can X V …"); a statement that asks nothing
falls back to its key phrase under "Address …". No parser library is installed and none is needed: the calls
are short, and the rules only have to find a verb phrase, not a full parse.

The title of a recommendation is the ask most shared by its calls (its verb and object words appear in most of
them), with the actor most of them name. It is only suggested: a person's title is never replaced.

One module a job: ``words`` (verbs, base forms, stop and function words), ``asks`` (one call's ask), ``keyphrase``
(for calls that ask nothing) and ``suggest`` (the title, the policy question, a title's form); this package
re-exports their public names.
"""

from __future__ import annotations

from .asks import ACTOR_NAMES, MAX_OBJECT_WORDS, Ask, clean_object, extract_ask
from .keyphrase import keyphrase
from .suggest import best_ask, format_title, policy_question, suggest_title, title_form
from .words import FUNCTION_WORDS, MAX_CHARS, STOP, VERBS, WORD, base_form, content_words

__all__ = [
    "ACTOR_NAMES", "FUNCTION_WORDS", "MAX_CHARS", "MAX_OBJECT_WORDS", "STOP", "VERBS", "WORD", "Ask", "base_form",
    "best_ask", "clean_object", "content_words", "extract_ask", "format_title", "keyphrase", "policy_question",
    "suggest_title", "title_form",
]
