"""Who a call is addressed to, as written and normalized, and how specific the call is.

Rules over the text, in order: "call(s) on X to", "urge(s) X to", "(recommended|suggested|hoped)
that X <verb>", "we hope that X will", "X to <verb>" at the start of an action item, "X must/should/need
to …", and "how can X <verb>" in questions. The phrase found is kept as written; its actors are
normalized with ``ACTORS`` (first match wins per span, so "UNICEF and other international
organizations" gives both UNICEF and international organizations). A phrase that names no known
actor ("the current draft standard should be improved") is not an addressee.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# normalized name -> pattern; order matters where one name contains another
ACTORS: list[tuple[str, str]] = [
    ("China Federation of Internet Societies", r"china federation of internet societies|\bcfis\b"),
    ("UNICEF", r"\bunicef\b"),
    ("United Nations", r"\bunited nations\b|\bthe un\b|\bun agencies\b"),
    ("international community", r"\binternational community\b"),
    ("international organizations", r"\binternational organi[sz]ations?\b"),
    ("governments", r"\bgovernment (?:departments?|agencies|organi[sz]ations?)\b|\bgovernments?\b|"
                    r"\bministr(?:y|ies)\b|\bstates\b|\bpolicy ?makers\b|\bregulators?\b|\bpublic authorities\b"),
    ("tech companies", r"\b(?:tech|technology|internet|digital) (?:companies|firms|industry|platforms|businesses)\b|"
                       r"\binternet businesses\b|\bplatforms\b|\benterprises\b|\bindustry\b|\bservice providers\b"),
    ("civil society", r"\bcivil society\b|\bngos?\b"),
    ("academia", r"\bacademia\b|\buniversities\b"),
    ("researchers", r"\bresearchers?\b|\bresearch institutions\b"),
    ("parents", r"\bparents?\b|\bcaregivers?\b|\bfamil(?:y|ies)\b"),
    ("schools", r"\bschools?\b|\beducators?\b|\bteachers?\b"),
    ("all stakeholders", r"\ball (?:parties|stakeholders|sectors)\b|\bstakeholders\b"),
    ("IGF", r"\bigf\b|\binternet governance forum\b"),
]
_ACTOR_RES = [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in ACTORS]

# a window of text where an addressee may stand; the actors inside it are what counts
_WHO = r"(?P<who>[^,;:.()]{2,100}?)"
_RULES = [
    re.compile(r"\bcalls? (?:up)?on " + _WHO + r" to\b", re.IGNORECASE),
    re.compile(r"\b(?:urges?|invites?|encourages?|asks?) " + _WHO + r" to\b", re.IGNORECASE),
    re.compile(r"\b(?:recommended|suggested|proposed|hoped|hope|recommends?|suggests?|proposes?) that "
               r"(?P<who>[^,;:.()]{2,100})", re.IGNORECASE),
    re.compile(r"^" + _WHO + r" (?:to|must|should|shall|needs? to|have to|has to|are called to) [a-z]+",
               re.IGNORECASE),
    re.compile(r"^" + _WHO + r" (?:must |should |need to |to )?play an? (?:\w+ )?role", re.IGNORECASE),
]
_QUESTION = re.compile(r"^(?:how|what|why|when) (?:can|should|could|do|does|must|are|will) "
                       r"(?P<who>(?:[\w'’-]+ ){1,5})", re.IGNORECASE)
# a window with a finite verb in it is a clause, not a name ("many countries are developing …")
_CLAUSE = re.compile(r"\b(?:is|are|was|were|will|would|hope|call|calls|based|should|must|can|there)\b",
                     re.IGNORECASE)

# verbs that name something a person could check was done; "strengthen", "pay attention" are not
CONCRETE_VERBS = re.compile(
    r"\b(?:implement|develop|establish|conduct|publish|adopt|fund|launch|build|assess|collect|train|teach|"
    r"audit|enact|review|analyse|analyze|publish)(?:s|es|ed|ing)?\b|"
    r"\b(?:integrat|provid|creat|improv|evaluat|translat|legislat|incorporat|analys|analyz)(?:e|es|ed|ing)\b|"
    r"\bset up\b|\bgive guidance\b", re.IGNORECASE)
_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
DATE_WORDS = re.compile(
    r"\b(?:by|before|until|within|in|end of|from) (?:the end of )?(?:19|20)\d\d\b|"
    r"\b\d{1,2} " + _MONTH + r"\b|\b" + _MONTH + r" (?:\d{1,2}|(?:19|20)\d\d)\b|"
    r"\bwithin (?:\w+ )?(?:days?|weeks?|months?|years?)\b|\b(?:by|before) the next \w+|\bnext (?:igf|year)\b|"
    r"\bdeadline\b", re.IGNORECASE)
SENTENCE_GAP = re.compile(r"(?<=[.;!?])\s+")  # sentences for the rules; the punctuation stays on the left


@dataclass
class Addressee:
    text: str = ""  # the phrase as written, e.g. "relevant government departments"
    names: list[str] = field(default_factory=list)  # normalized actors, e.g. ["governments"]


def normalize_actors(phrase: str) -> list[str]:
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for name, pattern in _ACTOR_RES:
        for m in pattern.finditer(phrase):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue  # "China Federation of Internet Societies" is not also "industry"
            taken.append((m.start(), m.end()))
            found.append((m.start(), name))
    names: list[str] = []
    for _, name in sorted(found):
        if name not in names:
            names.append(name)
    return names


# what may stand between two actors of one addressee: "UNICEF and other international organizations"
_GAP = re.compile(r"^(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|as well as)\s+)(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
_LEAD = re.compile(r"^\s*(?:(?:the|all|relevant|other|national|local|our|their|[\w-]+)\s+){0,3}$", re.IGNORECASE)


def _actor_chain(window: str) -> tuple[str, tuple[str, ...]]:
    """The addressee at the start of a window: its first actor (within three words of the start) and any
    actors joined to it by "and", "or" or a comma; the text as written and the normalized names."""
    matches: list[tuple[int, int, str]] = []
    for name, pattern in _ACTOR_RES:
        for m in pattern.finditer(window):
            if not any(m.start() < e and s < m.end() for s, e, _ in matches):
                matches.append((m.start(), m.end(), name))
    matches.sort()
    if not matches or not _LEAD.match(window[:matches[0][0]]):
        return "", ()
    start, end, first = matches[0]
    names = [first]
    for s, e, name in matches[1:]:
        if not _GAP.match(window[end:s]):
            break
        end = e
        if name not in names:
            names.append(name)
    phrase = re.sub(r"\s+", " ", window[:end]).strip(" ,;")
    return re.sub(r"^(?:that|the|we|and) ", "", phrase, flags=re.IGNORECASE), tuple(names)


def _sentence_windows(sentence: str, kind: str) -> list[tuple[int, str]]:
    """(offset, text) of the windows where an addressee of one sentence may stand."""
    found: list[tuple[int, str]] = []
    if kind == "question":
        m = _QUESTION.match(sentence)
        return [(m.start("who"), m.group("who"))] if m else []
    for rule in _RULES:
        for m in rule.finditer(sentence):
            if rule.pattern.startswith("^") and _CLAUSE.search(m.group("who")):
                continue  # "We hope that … will continue to": a clause, handled by the "that" rule
            found.append((m.start("who"), m.group("who")))
    return found


def extract_addressee(text: str, kind: str = "action") -> Addressee:
    """The actors a call names; empty when it names none (passive or agentless calls)."""
    text = re.sub(r"\s+", " ", text).strip()
    phrases: list[str] = []
    names: list[str] = []
    for sentence in SENTENCE_GAP.split(text):  # windows in reading order: sentence, then offset
        for _, window in sorted(_sentence_windows(sentence, kind)):
            phrase, actors = _actor_chain(window)
            if all(a in names for a in actors):
                continue  # no actor named, or the same actors found again by another rule
            phrases.append(phrase)
            names.extend(a for a in actors if a not in names)
    return Addressee("; ".join(phrases), names)


def _evidence(text: str) -> tuple[str, str]:
    """The first concrete verb and the first date of a text."""
    verb, date = CONCRETE_VERBS.search(text), DATE_WORDS.search(text)
    return verb.group(0) if verb else "", date.group(0) if date else ""


def specificity(text: str, addressee: Addressee) -> tuple[int, str]:
    """0-3: one point each for a named addressee, a concrete action, a date or deadline; and why."""
    verb, date = _evidence(text)
    score = int(bool(addressee.names)) + int(bool(verb)) + int(bool(date))
    parts = [f"addressee: {', '.join(addressee.names)}" if addressee.names else "no addressee",
             f"action: {verb.lower()}" if verb else "no concrete action",
             f"date: {date}" if date else "no date"]
    return score, "; ".join(parts)
