"""The words titles are made of: the verbs requests use and their base forms, function words that a title never
ends on, stop words, and content words compared across calls."""

from __future__ import annotations

import re

from lemminflect import getAllLemmas
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

MAX_CHARS = 80  # a title at most, so that it fits a table cell and a chart label

# Verbs that requests in these pages use, in their base form; other forms are found by base_form().
VERBS = frozenset("""
    act adapt add address adopt advance agree align allocate allow analyse analyze apply ask assess audit balance
    ban become bring build call check clarify close collaborate collect combat conduct connect consider consult
    continue contribute cooperate coordinate cover create decide deepen define deliver demote deploy design detect
    develop devise discuss do educate empower enable encourage end enforce engage enhance ensure equip establish
    evaluate examine expand explore extend facilitate find focus follow foster fund gather get give guarantee guide
    harmonise harmonize help identify implement improve include incorporate increase inform integrate introduce
    invest involve keep label launch lead learn legislate limit listen make manage mandate measure mitigate monitor
    offer optimize optimise pay plan play prepare prevent prioritise prioritize produce promote protect provide
    publish pursue put raise recognise recognize reduce regulate reinforce release remove report require research
    respect respond restrict review safeguard scale secure see seek set share show simplify speed staff standardise
    standardize start stop strengthen strike strive study support tackle take teach tell test track train translate
    treat understand update upgrade use verify weigh work
""".split())
_IRREGULAR = {"made": "make", "given": "give", "built": "build", "taken": "take", "kept": "keep", "brought": "bring",
              "done": "do", "shown": "show", "held": "hold", "led": "lead", "taught": "teach", "sought": "seek",
              "paid": "pay", "set": "set", "put": "put", "found": "find", "understood": "understand"}
FUNCTION_WORDS = frozenset("""
    a an the of to for and or in on at by with from into onto as than that this these those their its our your
    his her them they it we us be is are was were will would should must can could may might shall not nor but
    so such both either neither more most very also too all any each every other another some which who whom
    whose what when where while if then there here about over under between among against within without per via
    before after only until since just even several many few much own
""".split())
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
EXTRA_STOP = set("""
    should must shall need needs needed call calls called recommended suggested urged encourage encouraged
    important essential crucial vital necessary ensure ensuring also including like make making made way ways
    use used better strengthened promoted developed established recommend recommends suggest urge stakeholders
    relevant various different new key order particular introduce introduces bring brings help helps many
""".split())
STOP = frozenset(ENGLISH_STOP_WORDS) | EXTRA_STOP


def base_form(word: str) -> str:
    """The base form of a verb form ("strengthened", "promoting", "funds" -> ...), '' when it is no known verb."""
    w = word.lower().strip("'’")
    if w in VERBS:
        return w
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    candidates: list[str] = []
    if w.endswith("ing") and len(w) > 4:
        stem = w[:-3]
        candidates += [stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else ""]
    if w.endswith("ied"):
        candidates.append(w[:-3] + "y")
    if w.endswith("ed") and len(w) > 3:
        stem = w[:-2]
        candidates += [stem, w[:-1], stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else ""]
    if w.endswith("ies"):
        candidates.append(w[:-3] + "y")
    if w.endswith("es"):
        candidates.append(w[:-2])
    if w.endswith("s"):
        candidates.append(w[:-1])
    return next((c for c in candidates if c in VERBS), "")


_NOT_ASKS = frozenset("be been being is are was were am have has had do does did get gets got".split())


def verb_lemma(word: str) -> str:
    """The base form of a word where a verb must stand (after "should", "X to", "call on X to"): ``base_form``,
    else any English verb form the lexicon of lemminflect knows ("ratify", "organised" -> organise, British
    spellings kept); '' when the word is no verb form. Not used where a noun may stand: many nouns are verbs
    too ("case", "form")."""
    found = base_form(word)
    if found:
        return found
    w = word.lower().strip("'’.,;:")
    if not w.isalpha() or w in _NOT_ASKS or w in FUNCTION_WORDS:
        return ""
    lemmas = getAllLemmas(w, upos="VERB").get("VERB", ())
    return lemmas[0] if lemmas else ""


def is_base_verb(word: str) -> bool:
    """Whether a word is a verb in its base form ("fund", "ratify"), not another form ("funds", "emerging",
    "schools")."""
    return verb_lemma(word) == word.lower().strip("'’.,;:")


def verb_base(word: str) -> str:
    """Where a request states its verb ("should ratify", "to ratify"): ``base_form`` for the verbs of the list,
    in any form, and any other verb the lexicon knows in its base form only ("schools" is a noun here, though
    "to school" is a verb); '' otherwise."""
    return base_form(word) or (word.lower().strip("'’.,;:") if is_base_verb(word) else "")


def stem(word: str) -> str:
    word = word.lower().strip("'’-")
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def content_words(text: str) -> set[str]:
    """Content words, verbs in their base form ("strengthened" and "strengthen" are one word here)."""
    return {base_form(w) or stem(w) for w in WORD.findall(text) if w.lower() not in STOP}


def lower_first(phrase: str) -> str:
    """'Young people' -> 'young people' as an object; names and acronyms ('UNICEF', 'AI', 'Europe') stay."""
    first = phrase.split(" ", 1)[0] if phrase else ""
    if not first or first.isupper() or not first[:1].isupper() or not first[1:].islower():
        return phrase
    return phrase if first.lower() not in ENGLISH_STOP_WORDS and first.lower() in _PROPER else \
        phrase[:1].lower() + phrase[1:]


_PROPER = frozenset("europe european africa african asia asia-pacific china chinese unicef igf eu".split())
