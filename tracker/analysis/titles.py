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
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .addressees import extract_addressee, normalize_actors
from .similarity import DOMAIN_STOP_WORDS, split_sentences

MAX_CHARS = 80
MAX_OBJECT_WORDS = 9

# Verbs that requests in these pages use, in their base form; other forms are found by _base().
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
# a call stated as a noun phrase ("Continued research on …", "International cooperation is vital"): its verb
_LEAD_VERBS = {"continued": "continue", "ongoing": "continue", "more": "support more", "further": "support further",
               "increased": "increase", "greater": "ensure greater", "better": "ensure better",
               "stronger": "build stronger", "enhanced": "enhance", "improved": "improve"}
_NOUN_VERBS = {"cooperation": "strengthen", "collaboration": "strengthen", "dialogue": "strengthen",
               "coordination": "strengthen", "approach": "take", "research": "support", "literacy": "promote",
               "education": "provide", "awareness": "raise", "funding": "secure", "investment": "increase",
               "participation": "ensure", "access": "ensure", "regulation": "develop", "standards": "develop",
               "guidance": "provide", "support": "provide", "training": "provide", "balance": "strike"}
_ADJ_NEED = r"(?:essential|crucial|vital|key|important|necessary|needed|required|critical|fundamental|imperative|" \
            r"urgent|indispensable|paramount)"
# where the object of the action ends: a subordinate clause, a second thought
_OBJECT_END = re.compile(
    r"\s*(?:[,;:(]|\s-\s|\bso (?:as )?(?:to|that)\b|\bin order to\b|\bsuch as\b|\bbased on\b|\bincluding\b|"
    r"\binvolving\b|\bwhich\b|\bwho\b|\bwhile\b|\bwhereas\b|\bby (?=\w+ing\b)|\bthrough\b|\bas well as\b|"
    r"\band (?:also )?(?:look|strive|call|hope|ensure that|we)\b|\bis\b|\bare\b|\bwill\b|\bwould\b|\bcan\b|\bas soon\b|"
    r"\bto (?:ensure|make sure|help|inform|build)\b|\bbefore it\b|\bwhen\b|\bif\b|\bunless\b|\bbecause\b|"
    r"\bhow\b|\bwhere\b|\bwhether\b|\bafter\b|\bas (?:a |an )?part\b|\bsince\b|\bso\b|\bthat\b)",
    re.IGNORECASE)
FUNCTION_WORDS = frozenset("""
    a an the of to for and or in on at by with from into onto as than that this these those their its our your
    his her them they it we us be is are was were will would should must can could may might shall not nor but
    so such both either neither more most very also too all any each every other another some which who whom
    whose what when where while if then there here about over under between among against within without per via
    before after only until since just even several many few much own
""".split())
ACTOR_NAMES = {"governments": "Governments", "tech companies": "Tech companies", "civil society": "Civil society",
               "academia": "Academia", "researchers": "Researchers", "parents": "Parents", "schools": "Schools",
               "all stakeholders": "All stakeholders", "international community": "The international community",
               "international organizations": "International organizations"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_MODAL = r"(?:should|must|shall|need to|needs to|have to|has to|ought to|(?:are|is) called (?:up)?on to|" \
         r"will need to)"
_THAT = re.compile(r"\b(?:recommended|suggested|proposed|hoped?|recommends?|suggests?|proposes?|urges?|"
                   r"agreed|believe|insist) that (?P<rest>.+)", re.IGNORECASE)
_CALL_ON = re.compile(r"\b(?:call(?:s|ed)? (?:up)?on|urges?|urged|invites?|invited|encourages?|encouraged|asks?|"
                      r"asked|requests?|requested) (?P<who>[^;:.]{2,120}?) to (?P<rest>.+)", re.IGNORECASE)
_SUBJECT_MODAL = re.compile(r"^(?P<who>[^;:]{2,120}?) " + _MODAL + r" (?P<rest>.+)", re.IGNORECASE)
_SUBJECT_TO = re.compile(r"^(?P<who>[^,;:]{2,60}?) to (?P<rest>.+)", re.IGNORECASE)  # "Tech companies to integrate …"
_PASSIVE = re.compile(r"^(?P<subj>[^,;:]{2,120}?) (?:should|must|shall|needs? to|has to|have to|ought to|is to|are to|"
                      r"to|will) (?:also |further |urgently |now )?be (?P<rest>.+)", re.IGNORECASE)
_NEED_THERE = re.compile(r"^there (?:is|are) (?:a |an )?(?:urgent |clear |strong |growing )?(?:need|call) "
                         r"(?:to (?P<rest>.+)|for (?P<noun>.+))", re.IGNORECASE)
_NEEDS_TO_BE = re.compile(r"^there (?:needs|need|has|have|should|must) (?:to )?be (?:a |an |more )?(?P<noun>.+)",
                          re.IGNORECASE)
_IS_NEEDED = re.compile(r"^(?P<noun>[^;:]{3,160}?) (?:is|are|remains?|will be) (?:also |therefore |still )?"
                        r"(?:(?:most|more|very|absolutely|particularly) )?" + _ADJ_NEED + r"\b", re.IGNORECASE)
_PARTICIPLE_ENDINGS = ("ed", "en", "wn", "ght", "ilt", "ept", "ade", "aid", "ut", "et", "eld", "ne", "ound")
_FINITE = re.compile(r"\b(?:is|are|was|were|has|have|had|be|been|can|could|will|would|do|does|did)\b", re.IGNORECASE)
_QUESTION = re.compile(r"^(?:how|what|why|when|where|which|who)\b[^?]*?\b(?:can|could|should|do|does|must|might|"
                       r"would|will|to)\s+(?P<rest>.+)", re.IGNORECASE)
_TO_VERB = re.compile(r"\b(?:to|for|on|of|in|by|about) (?P<rest>[a-z][\w'’-]* .+)", re.IGNORECASE)


@dataclass(frozen=True)
class Ask:
    """What one call asks: who is called on (display name, '' when no one is named), the action (a verb in its
    base form, possibly with a particle or adverb: "pay attention to"), and its object."""

    actor: str
    verb: str
    obj: str

    def phrase(self) -> str:
        return f"{self.verb} {self.obj}".strip()


def _base(word: str) -> str:
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


def _clean_object(text: str) -> str:
    """The object of an action: up to the first clause boundary, at most MAX_OBJECT_WORDS words, never ending
    on a function word or inside parentheses."""
    text = re.sub(r"\s+", " ", text).strip()
    for end in _OBJECT_END.finditer(text):
        # "publish clear, comparable figures": a comma after one word lists adjectives, not a clause
        if end.start() > 0 and (len(text[:end.start()].split()) >= 2 or not end.group().strip().startswith(",")):
            text = text[:end.start()]
            break
    words = text.split()
    if words and words[0].lower() in {"but", "and", "or", "not", "nor", "so", "then", "than", "as"}:
        return ""  # no object: "… should continue, but not at the expense of …"
    if len(words) > MAX_OBJECT_WORDS:  # too long: end before the last preposition that fits ("… part of X")
        words = words[:MAX_OBJECT_WORDS]
        cut = max((k for k, w in enumerate(words) if w.lower() in {"of", "for", "in", "on", "with", "to", "from",
                                                                    "at", "into", "across", "between"} and k >= 3),
                  default=len(words))
        words = words[:cut]
    while words and (words[-1].lower().strip(".,;:!?\"“”'’") in FUNCTION_WORDS or not WORD.search(words[-1])):
        words.pop()
    return " ".join(words).strip(" .,;:!?\"“”")


_NOT_THE_ACTION = frozenset("will also further jointly urgently now all actively continue continues to should must"
                             .split())


def _verb_phrase(rest: str) -> tuple[str, str] | None:
    """(verb, object) at the start of ``rest`` ("continue to pay attention to X" -> ("pay attention to", X));
    None when it does not start with a verb."""
    words = rest.split()
    k = 0
    # "will", "also", "continue to", "further", "jointly": not the action itself
    while k < len(words) and words[k].lower() in _NOT_THE_ACTION:
        k += 1
    if k >= len(words):
        return None
    if words[k].lower() == "not" or (k + 1 < len(words) and words[k].lower() == "do" and words[k + 1] == "not"):
        return None  # a prohibition reads badly as a title ("do not …"); let another rule or call speak
    verb = _base(words[k].strip(".,;:"))
    if not verb:
        if k > 0 and words[k - 1].lower() in {"continue", "continues"}:
            verb, k = "continue", k - 1
        else:
            return None
    else:
        k += 1
    obj = " ".join(words[k:])
    # "collect and publish data", "remove or demote nudification apps": two actions on one object
    if (m := re.match(r"(and|or) (\w+) (.+)", obj)) and _base(m.group(2)) and not m.group(2).endswith("ing"):
        verb, obj = f"{verb} {m.group(1)} {_base(m.group(2))}", m.group(3)
    if verb == "pay" and obj.lower().startswith("attention to"):
        verb, obj = "pay attention to", obj[len("attention to"):]
    if verb in {"play"} and (m := re.match(r"(?:an? |the )?(?:\w+ ){0,2}role in (?P<ing>\w+ing)\b (?P<rest>.*)", obj)):
        inner = _base(m.group("ing"))
        if inner:
            by = re.search(r"\bby (\w+ing) (.+)", m.group("rest"))
            if by and _base(by.group(1)):
                return _base(by.group(1)), _clean_object(by.group(2))
            return inner, _clean_object(m.group("rest"))
    if verb == "balance":
        obj = re.sub(r"\band\b", "with", obj, count=1) if " with " not in obj.split(",")[0] else obj
    cleaned = _clean_object(obj)
    if cleaned.lower().startswith("that "):
        return None  # "ensure that …": the clause holds the ask, and reads badly cut
    return (verb, cleaned) if cleaned else None


def _actor(names: list[str]) -> str:
    """'Governments', 'UNICEF and international organizations': the first two actors named."""
    shown = [ACTOR_NAMES.get(n, n) for n in names[:2]]
    if len(shown) == 2:
        second = shown[1] if shown[1] not in ACTOR_NAMES.values() else shown[1][0].lower() + shown[1][1:]
        return f"{shown[0]} and {second}"
    return shown[0] if shown else ""


def _noun_ask(noun: str) -> tuple[str, str] | None:
    """A call stated as a noun phrase: its verb from its head word ("international cooperation" -> strengthen)."""
    obj = _lower_first(_clean_object(re.sub(r"^(?:the|a|an|this|such)\s+", "", noun.strip(), flags=re.IGNORECASE)))
    if not obj:
        return None
    first = obj.split()[0].lower()
    if first in _LEAD_VERBS:
        return _LEAD_VERBS[first], " ".join(obj.split()[1:]) or obj
    if (verb := _base(first)) and first.endswith("ing"):
        return verb, " ".join(obj.split()[1:])
    heads = [w.lower() for w in WORD.findall(obj)]
    for word in heads:
        if word in _NOUN_VERBS:
            article = "a " if word in {"approach", "balance"} and not obj.lower().startswith(("a ", "an ")) else ""
            return _NOUN_VERBS[word], article + obj
    return "prioritize", obj


def _sentence_ask(sentence: str, kind: str) -> tuple[str, str] | None:
    """(verb, object) of one sentence, or None when it asks nothing the rules can read."""
    s = re.sub(r"\s+", " ", sentence).strip().rstrip(".!")
    s = re.sub(r"^(?:therefore|however|moreover|furthermore|finally|in addition|above all|in particular|"
               r"at the same time|to this end|as a result),?\s+", "", s, flags=re.IGNORECASE)
    if kind == "question" or s.endswith("?"):
        m = _QUESTION.match(s)
        if m and (found := _verb_phrase(m.group("rest").rstrip("?"))):
            return found
        m = _TO_VERB.search(s)
        while m:
            if found := _verb_phrase(m.group("rest").rstrip("?")):
                return found
            m = _TO_VERB.search(s, m.end("rest") - len(m.group("rest")) + 1)
        return None
    for pattern in (_CALL_ON, _THAT):
        m = pattern.search(s)
        if m:
            rest = m.group("rest")
            if pattern is _THAT:  # "that <subject> (will|should)? <verb> …": the first verb after the subject
                words = rest.split()
                for k in range(1, min(len(words), 12)):
                    if _base(words[k]) and words[k].lower() not in {"need", "needs"} and not words[k].endswith("ing"):
                        found = _verb_phrase(" ".join(words[k:]))
                        if found:
                            return found
                        break
                continue
            if found := _verb_phrase(rest):
                return found
    m = _PASSIVE.match(s)
    if m:
        rest = m.group("rest").split()
        if rest:
            verb = _base(rest[0])
            subj = _lower_first(re.sub(r"^(?:the|a|an)\s+", "", m.group("subj"), flags=re.IGNORECASE))
            if verb and rest[0].lower().endswith(_PARTICIPLE_ENDINGS):
                # "… should be strengthened in X" -> strengthen … in X; "… to be made available" -> make … available
                return verb, _clean_object(f"{subj} {' '.join(rest[1:])}")
    m = _NEED_THERE.match(s)
    if m:
        if m.group("rest") and (found := _verb_phrase(m.group("rest"))):
            return found
        if m.group("noun"):
            return _noun_ask(m.group("noun"))
    m = _NEEDS_TO_BE.match(s)
    if m:
        return _noun_ask(m.group("noun"))
    first = s.split()[0] if s.split() else ""
    if first.lower() in _LEAD_VERBS:  # "Continued research … needs to inform policy": the research is the ask
        return _noun_ask(s)
    if first and _base(first) and (first.lower().endswith("ing") or _base(first) == first.lower()) and \
            not re.search(r"\b(?:should|must|shall|needs? to)\b", s, re.IGNORECASE):
        found = _verb_phrase(s if not first.lower().endswith("ing") else _base(first) + " " + " ".join(s.split()[1:]))
        if found:
            return found
    m = _SUBJECT_MODAL.match(s)
    if not m and (m := _SUBJECT_TO.match(s)) and (len(m.group("who").split()) > 6 or _verb_s(m.group("who"))
                                                   or m.group("who").split()[-1].lower() in _BEFORE_TO):
        m = None  # "The use of these technologies helps to provide …": a statement, not "X to <verb>"
    if m and not _FINITE.search(m.group("who")):
        if found := _verb_phrase(m.group("rest")):
            return found
        verb = _base(m.group("rest").split()[0].strip(",.;:"))
        who = m.group("who")
        if verb and not normalize_actors(who):  # "Innovation in AI should continue": continue innovation
            return verb, _clean_object(_lower_first(re.sub(r"^(?:the|a|an)\s+", "", who, flags=re.IGNORECASE)))
    m = _IS_NEEDED.match(s)
    if m:
        return _noun_ask(m.group("noun"))
    return None


def extract_ask(text: str, kind: str = "action") -> Ask | None:
    """The first ask a call states, sentence by sentence: actor, verb and object; None when it asks nothing."""
    for sentence in split_sentences(text)[:4]:
        found = _sentence_ask(sentence, kind)
        if found:
            verb, obj = found
            # who is called on in the sentence that asks: "Parents … need help. We invite companies to …"
            actor = _actor(extract_addressee(sentence, kind).names)
            return Ask(actor or _named_subject(sentence, obj), verb, obj)
    return None


_NOT_ACTORS = re.compile(r"^(?:it|this|that|these|those|there|we|they|he|she|you|i|one|each|everyone|everybody|"
                         r"children|minors|young people|a|an|the)$", re.IGNORECASE)


# "… feel unable to", "… are easy to": an adjective before "to" makes a statement, not "X to <verb>"
_BEFORE_TO = frozenset("unable able likely unlikely easy hard difficult free ready willing used important necessary "
                       "essential vital crucial enough time way ways".split())


def _verb_s(phrase: str) -> bool:
    """Whether a phrase ends on a verb's -s form ("… helps"), so it is a clause, not who is called on."""
    last = phrase.split()[-1].lower().strip(",.") if phrase.split() else ""
    return last.endswith("s") and last not in VERBS and bool(_base(last))


def _collective(head: str) -> bool:
    """Whether a subject's last word can name who acts: a plural ("funders"), a body ("industry") or a name."""
    head = head.strip(",.")
    return (head.isupper() or head.lower() in {"industry", "police", "academia", "government", "media", "sector",
                                                 "community", "society", "coalition", "igf", "unicef", "un"}
            or (head.lower().endswith("s") and not head.lower().endswith(("ss", "ics", "ness"))
                and not head.lower().endswith("ings")))


def _named_subject(sentence: str, obj: str) -> str:
    """The one called on when it is no actor the addressee rules know ("App stores and search engines to
    remove …"): the subject of "call on X to" or of "X should / must / to <verb>", at most five words."""
    s = re.sub(r"\s+", " ", sentence).strip()
    if _PASSIVE.match(s):
        return ""
    m = _CALL_ON.search(s) or _SUBJECT_MODAL.match(s) or _SUBJECT_TO.match(s)
    if not m:
        return ""
    who = re.sub(r"^(?:the|all|relevant|our)\s+", "", m.group("who").strip(" ,"), flags=re.IGNORECASE)
    words = who.split()
    if (not words or len(words) > 5 or _FINITE.search(who) or _NOT_ACTORS.match(who)
            or who.lower() in obj.lower() or words[0].lower() in {"what", "how", "which", "who", "why", "when"}
            or (words[0].lower().endswith("ing") and _base(words[0]))
            or not _collective(words[-1]) or _verb_s(who)):
        return ""
    return who[:1].upper() + who[1:]


def content_words(text: str) -> set[str]:
    """Content words, verbs in their base form ("strengthened" and "strengthen" are one word here)."""
    return {_base(w) or _stem(w) for w in WORD.findall(text) if w.lower() not in STOP}


def _lower_first(phrase: str) -> str:
    """'Young people' -> 'young people' as an object; names and acronyms ('UNICEF', 'AI', 'Europe') stay."""
    first = phrase.split(" ", 1)[0] if phrase else ""
    if not first or first.isupper() or not first[:1].isupper() or not first[1:].islower():
        return phrase
    return phrase if first.lower() not in ENGLISH_STOP_WORDS and first.lower() in _PROPER else \
        phrase[:1].lower() + phrase[1:]


_PROPER = frozenset("europe european africa african asia asia-pacific china chinese unicef igf eu".split())


def format_title(ask: Ask) -> str:
    """'Governments: fund national child helplines' or 'Strengthen international cooperation'; at most
    MAX_CHARS, cut between words and never on a function word."""
    phrase = ask.phrase()
    head = f"{ask.actor}: " if ask.actor else ""
    words = phrase.split()
    while words and len(head) + len(" ".join(words)) > MAX_CHARS:
        words.pop()
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
        phrase = _clean_object(_keyphrase(texts)) or "these calls"
        first = phrase.split()[0]
        if _base(first) == first.lower():  # the phrase is itself an action: "run awareness campaigns"
            return format_title(Ask("", first.lower(), " ".join(phrase.split()[1:])))
        return format_title(Ask("", "address", _lower_first(phrase)))
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


# --- key phrase, for calls that state no action ---------------------------------------------------
# Runs of content words between stop words and punctuation (the RAKE idea), scored by how many calls contain
# them and by length. RAKE's packages need NLTK data downloaded at run time and KeyBERT a transformer model,
# neither of which this offline tool may fetch.

EXTRA_STOP = set("""
    should must shall need needs needed call calls called recommended suggested urged encourage encouraged
    important essential crucial vital necessary ensure ensuring also including like make making made way ways
    use used better strengthened promoted developed established recommend recommends suggest urge stakeholders
    relevant various different new key order particular introduce introduces bring brings help helps many
""".split())
STOP = frozenset(ENGLISH_STOP_WORDS) | EXTRA_STOP
BREAK = re.compile(r"[,;:.!?()\"“”]")
KEEP_INSIDE = {"of", "for", "and", "on", "in", "to"}  # joins two runs: "protection of minors"


def _phrases(sentence: str) -> list[str]:
    """Candidate phrases: content-word runs, also two runs joined by one of KEEP_INSIDE."""
    out: list[str] = []
    for chunk in BREAK.split(sentence):
        words = WORD.findall(chunk)
        runs: list[list[str]] = [[]]
        joins: list[str] = []
        for word in words:
            if word.lower() in STOP:
                if runs[-1]:
                    runs.append([])
                    joins.append(word.lower())
                elif joins:
                    joins[-1] = ""  # two stop words in a row: no join
            else:
                runs[-1].append(word)
        runs = [r for r in runs if r]
        out.extend(" ".join(r) for r in runs if len(r) <= 6)
        for k in range(len(runs) - 1):
            if k < len(joins) and joins[k] in KEEP_INSIDE and len(runs[k]) + len(runs[k + 1]) <= 6:
                out.append(f"{' '.join(runs[k])} {joins[k]} {' '.join(runs[k + 1])}")
    return out


def _stem(word: str) -> str:
    word = word.lower().strip("'’-")
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def _keyphrase(texts: list[str]) -> str:
    """The key phrase the calls share ("risks of emerging technologies to children"), taken from their first
    sentences; a candidate scores by how many calls use its words (generic words of the field such as
    "children" count for nothing), a little by its length, and less when it is a name."""
    used: Counter[str] = Counter()
    for text in texts:
        used.update({_stem(w) for w in WORD.findall(text)})
    generic = {_stem(w) for w in DOMAIN_STOP_WORDS}
    candidates: dict[str, str] = {}
    for text in texts:
        for phrase in _phrases(split_sentences(text)[0]):
            if len(phrase) <= MAX_CHARS - 10:
                candidates.setdefault(phrase.lower(), phrase)
    if not candidates:
        return "these calls"

    def score(key: str) -> tuple[float, int]:
        words = [w for w in WORD.findall(candidates[key]) if w.lower() not in KEEP_INSIDE]
        weight = sum(0 if _stem(w) in generic else used[_stem(w)] for w in words) / max(len(words), 1)
        name = len(words) >= 2 and all(w[0].isupper() for w in words)
        return weight * (1 + 0.5 * min(len(words), 4)) * (0.5 if name else 1.0), -len(key)

    return candidates[max(candidates, key=score)]


# --- checking a title's form ----------------------------------------------------------------------

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
        return "actor: action" if action and _base(action[0]) and len(WORD.findall(head)) <= 8 else ""
    return "action" if _base(words[0]) else ""
