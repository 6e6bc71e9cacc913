"""A recommendation's suggested title and policy question from its calls' asks, and a check of a title's form."""

from __future__ import annotations

from collections import Counter

from .asks import Ask, clean_object, extract_ask
from .keyphrase import keyphrase
from .words import FUNCTION_WORDS, MAX_CHARS, WORD, base_form, content_words, is_base_verb, lower_first, verb_lemma


def format_title(ask: Ask) -> str:
    """'Governments: fund national child helplines' or 'Strengthen international cooperation'; at most
    MAX_CHARS, cut between words and never on a function word."""
    phrase = ask.phrase()
    head = f"{ask.actor}: " if ask.actor else ""
    words = phrase.split()
    whole = len(words)
    while words and len(head) + len(" ".join(words)) > MAX_CHARS:
        words.pop()
    if len(words) < whole:  # cut for length: not inside a second action ("ratify X and harmonise [their laws]")
        second = [k for k in range(2, len(words)) if words[k].lower() in {"and", "or"} and
                  (k + 1 == len(words) or verb_lemma(words[k + 1]))]
        if second:
            words = words[:second[-1]]
    while len(words) > 1 and words[-1].lower().strip(",.;:") in FUNCTION_WORDS:
        words.pop()
    phrase = " ".join(words).rstrip(",;:")
    if not head:
        return phrase[:1].upper() + phrase[1:]
    return head + phrase


def best_ask(texts: list[str], kinds: list[str] | None = None) -> Ask | None:
    """The ask most shared by these calls (its verb and object words appear in most of them; first among
    equals: the call the recommendation started with), with the actor most of them name; None when no call
    asks anything the rules read. Questions count only when no call asks anything."""
    kinds = kinds or ["action"] * len(texts)
    asks = [(extract_ask(t, k), k) for t, k in zip(texts, kinds, strict=False)]
    found = [a for a, k in asks if a is not None and k != "question"] or [a for a, _ in asks if a is not None]
    if not found:
        return None
    bags = [content_words(t) for t in texts]

    def shared(ask: Ask) -> float:
        words = content_words(ask.phrase())
        if not words:
            return 0.0
        return sum(len(words & bag) / len(words) for bag in bags) + (0.25 if ask.actor else 0.0)

    best = max(found, key=shared)
    if not best.actor:
        actors = Counter(a.actor for a in found if a.actor)
        if actors:
            actor, n = actors.most_common(1)[0]
            if n * 2 >= len(texts):
                best = Ask(actor, best.verb, best.obj)
    return best


def suggest_title(texts: list[str], kinds: list[str] | None = None) -> str:
    """The title for a recommendation with these calls (first = the one it started with): ``best_ask`` said
    as "Actor: action object", or "Action object" when no actor is named; "Address <key phrase>" for calls
    that ask nothing the rules read."""
    if not texts:
        return "Untitled recommendation"
    best = best_ask(texts, kinds)
    if best is None:
        phrase = clean_object(keyphrase(texts)) or "these calls"
        first = phrase.split()[0]
        if base_form(first) == first.lower():  # the phrase is itself an action: "run awareness campaigns"
            return format_title(Ask("", first.lower(), " ".join(phrase.split()[1:])))
        return format_title(Ask("", "address", lower_first(phrase)))
    return format_title(best)


def policy_question(texts: list[str], kinds: list[str] | None = None) -> str:
    """A policy question from the calls' own ask, never from a title: "What would it take for governments
    to fund national child helplines?"; '' when the calls ask nothing the rules read."""
    ask = best_ask(texts, kinds)
    if ask is None:
        return ""
    who = ""
    if ask.actor:
        who = ask.actor if ask.actor.isupper() or ask.actor.split()[0] in _PROPER_CASE else \
            ask.actor[:1].lower() + ask.actor[1:]
        who = f" for {who}"
    return f"What would it take{who} to {ask.phrase()}?"


_PROPER_CASE = frozenset({"UNICEF", "United", "China", "IGF"})


def title_form(title: str) -> str:
    """'actor: action' ("Governments: fund national child helplines"), 'action' ("Strengthen international
    cooperation"), or '' when the title reads otherwise: no verb where the action stands, or it ends on a
    function word or inside parentheses (a dangling fragment)."""
    words = WORD.findall(title)
    if not words or words[-1].lower() in FUNCTION_WORDS or title.count("(") != title.count(")") or \
            title.rstrip().endswith((",", ":", ";", "-", "…")):
        return ""
    head, sep, rest = title.partition(": ")
    if sep:
        action = WORD.findall(rest)
        return "actor: action" if action and is_base_verb(action[0]) and len(WORD.findall(head)) <= 8 else ""
    return "action" if is_base_verb(words[0]) else ""
