"""What one call asks: who is called on, the requested action (a verb in its base form) and its object, read by
rules over the sentence ("call on X to V …", "it is recommended that X V …", "X should V …", "X to V …",
"V-ing … is crucial", "… should be V-ed", "how can X V …")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..addressees import extract_addressee, normalize_actors
from ..corpus import split_sentences
from .words import FUNCTION_WORDS, VERBS, WORD, base_form, is_base_verb, lower_first, verb_base, verb_lemma

MAX_OBJECT_WORDS = 9

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
ACTOR_NAMES = {"governments": "Governments", "tech companies": "Tech companies", "civil society": "Civil society",
               "academia": "Academia", "researchers": "Researchers", "parents": "Parents", "schools": "Schools",
               "all stakeholders": "All stakeholders", "international community": "The international community",
               "international organizations": "International organizations"}
_MODAL = r"(?:should|must|shall|need to|needs to|have to|has to|ought to|(?:are|is) called (?:up)?on to|" \
         r"will need to)"
_THAT = re.compile(r"\b(?:recommended|suggested|proposed|hoped?|recommends?|suggests?|proposes?|urges?|"
                   r"agreed|believe|insist) that (?P<rest>.+)", re.IGNORECASE)
_CALL_ON = re.compile(r"\b(?:call(?:s|ed)? (?:up)?on|urges?|urged|invites?|invited|encourages?|encouraged|asks?|"
                      r"asked|requests?|requested) (?P<who>[^;:.]{2,120}?) to (?P<rest>.+)", re.IGNORECASE)
_SUBJECT_MODAL = re.compile(r"^(?P<who>[^;:]{2,120}?) " + _MODAL + r" (?P<rest>.+)", re.IGNORECASE)
# "X must to <verb>", as some national reports write it
_SUBJECT_MUST_TO = re.compile(r"^(?P<who>[^;:]{2,120}?) must to (?P<rest>.+)", re.IGNORECASE)
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


def clean_object(text: str) -> str:
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
    while words and (words[-1].lower().strip(".,;:!?\"“”'’") in FUNCTION_WORDS | _PARTICLES
                     or not WORD.search(words[-1])):
        words.pop()
    return " ".join(words).strip(" .,;:!?\"“”")


# a verb's particle left at the end when a long object is cut ("filter abuse material out [of datasets]")
_PARTICLES = frozenset("out up off down away back".split())
_NOT_THE_ACTION = frozenset("will also further jointly urgently now all actively continue continues to should must"
                             .split())


def _verb_phrase(rest: str, lexicon: bool = True) -> tuple[str, str] | None:
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
    lemma = verb_base if lexicon else base_form
    verb = lemma(words[k].strip(".,;:"))
    if not verb:
        if k > 0 and words[k - 1].lower() in {"continue", "continues"}:
            verb, k = "continue", k - 1
        else:
            return None
    else:
        k += 1
    obj = " ".join(words[k:])
    # "collect and publish data", "remove or demote nudification apps": two actions on one object
    if (m := re.match(r"(and|or) (\w+) (.+)", obj)) and lemma(m.group(2)) and not m.group(2).endswith("ing"):
        verb, obj = f"{verb} {m.group(1)} {lemma(m.group(2))}", m.group(3)
    if verb == "pay" and obj.lower().startswith("attention to"):
        verb, obj = "pay attention to", obj[len("attention to"):]
    if verb in {"play"} and (m := re.match(r"(?:an? |the )?(?:\w+ ){0,2}role in (?P<ing>\w+ing)\b (?P<rest>.*)", obj)):
        inner = base_form(m.group("ing"))
        if inner:
            by = re.search(r"\bby (\w+ing) (.+)", m.group("rest"))
            if by and base_form(by.group(1)):
                return base_form(by.group(1)), clean_object(by.group(2))
            return inner, clean_object(m.group("rest"))
    if verb == "balance":
        obj = re.sub(r"\band\b", "with", obj, count=1) if " with " not in obj.split(",")[0] else obj
    cleaned = clean_object(obj)
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
    obj = lower_first(clean_object(re.sub(r"^(?:the|a|an|this|such)\s+", "", noun.strip(), flags=re.IGNORECASE)))
    if not obj:
        return None
    first = obj.split()[0].lower()
    if first in _LEAD_VERBS:
        return _LEAD_VERBS[first], " ".join(obj.split()[1:]) or obj
    if (verb := base_form(first)) and first.endswith("ing"):
        return verb, " ".join(obj.split()[1:])
    heads = [w.lower() for w in WORD.findall(obj)]
    for word in heads:
        if word in _NOUN_VERBS:
            article = "a " if word in {"approach", "balance"} and not obj.lower().startswith(("a ", "an ")) else ""
            return _NOUN_VERBS[word], article + obj
    return "prioritize", obj


def _after_subject(rest: str) -> tuple[str, str] | None:
    """(verb, object) of "<subject> <verb> …" after a question's "can" / "should": the first verb in its base
    form within the next eight words."""
    words = rest.split()
    for k in range(1, min(len(words), 9)):
        word = words[k].lower().strip(",.;:")
        if word in {"be", "been", "get"}:
            return None  # "… be reached with guidance": a passive question, not who acts
        # the verb follows the subject's head ("budgets keep", "schools respond"), never an article
        # ("a school"), and stands in its base form ("limited budgets" is no verb here)
        if word not in FUNCTION_WORDS and is_base_verb(word) and words[k - 1].lower() not in FUNCTION_WORDS \
                and _collective(words[k - 1]):
            return _verb_phrase(" ".join(words[k:]))
    return None


def _passive_ask(s: str, lexicon: bool) -> tuple[str, str] | None:
    """(verb, object) of "<subject> should be <done> …": "… should be strengthened in X" -> strengthen … in X,
    "… to be made available" -> make … available."""
    m = _PASSIVE.match(s)
    if not m or lexicon and m.group("subj").split()[-1].lower() in _BEFORE_TO:
        return None  # "services likely to be accessed by children": a statement, not "X to be <done>"
    rest = m.group("rest").split()
    if not rest:
        return None
    verb = verb_lemma(rest[0]) if lexicon else base_form(rest[0])
    if not verb or not rest[0].lower().endswith(_PARTICIPLE_ENDINGS):
        return None
    subj = lower_first(re.sub(r"^(?:the|a|an)\s+", "", m.group("subj"), flags=re.IGNORECASE))
    return verb, clean_object(f"{subj} {' '.join(rest[1:])}")


def _sentence_ask(sentence: str, kind: str, lexicon: bool = True) -> tuple[str, str] | None:
    """(verb, object) of one sentence, or None when it asks nothing the rules can read (``lexicon``: see
    ``extract_ask``)."""
    s = re.sub(r"\s+", " ", sentence).strip().rstrip(".!")
    s = re.sub(r"^(?:therefore|however|moreover|furthermore|finally|in addition|above all|in particular|"
               r"at the same time|to this end|as a result),?\s+", "", s, flags=re.IGNORECASE)
    if kind == "question" or s.endswith("?"):
        m = _QUESTION.match(s)
        if m and (found := _verb_phrase(m.group("rest").rstrip("?"), lexicon)):
            return found
        if m and lexicon and (found := _after_subject(m.group("rest").rstrip("?"))):
            return found  # "How can governments with limited budgets keep child helplines running …"
        m = _TO_VERB.search(s)
        while m:
            if found := _verb_phrase(m.group("rest").rstrip("?"), lexicon):
                return found
            m = _TO_VERB.search(s, m.end("rest") - len(m.group("rest")) + 1)
        return None
    for pattern in (_CALL_ON, _THAT):
        m = pattern.search(s)
        if m:
            rest = m.group("rest")
            if pattern is _THAT:  # "that <subject> (will|should)? <verb> …": the first verb after the subject
                words = rest.split()
                if lexicon and (passive := _passive_ask(rest, True)):
                    return passive  # "that the draft standard should be improved …": improve the draft standard
                for k in range(1, min(len(words), 12)):
                    if base_form(words[k]) and words[k].lower() not in {"need", "needs"} \
                            and not words[k].endswith("ing"):
                        found = _verb_phrase(" ".join(words[k:]), lexicon)
                        if found:
                            return found
                        break
                continue
            if found := _verb_phrase(rest, lexicon):
                return found
    if found := _passive_ask(s, lexicon):
        return found
    m = _NEED_THERE.match(s)
    if m:
        if m.group("rest") and (found := _verb_phrase(m.group("rest"), lexicon)):
            return found
        if m.group("noun"):
            return _noun_ask(m.group("noun"))
    m = _NEEDS_TO_BE.match(s)
    if m:
        return _noun_ask(m.group("noun"))
    first = s.split()[0] if s.split() else ""
    if first.lower() in _LEAD_VERBS:  # "Continued research … needs to inform policy": the research is the ask
        return _noun_ask(s)
    if first and base_form(first) and (first.lower().endswith("ing") or base_form(first) == first.lower()) and \
            not re.search(r"\b(?:should|must|shall|needs? to)\b", s, re.IGNORECASE):
        found = _verb_phrase(s if not first.lower().endswith("ing")
                             else base_form(first) + " " + " ".join(s.split()[1:]), lexicon)
        if found:
            return found
    m = (lexicon and _SUBJECT_MUST_TO.match(s)) or _SUBJECT_MODAL.match(s)
    if not m and (m := _SUBJECT_TO.match(s)) and (len(m.group("who").split()) > 6 or _verb_s(m.group("who"))
                                                   or m.group("who").split()[-1].lower() in _BEFORE_TO):
        m = None  # "The use of these technologies helps to provide …": a statement, not "X to <verb>"
    if m and not _FINITE.search(m.group("who")):
        if found := _verb_phrase(m.group("rest"), lexicon):
            return found
        verb = base_form(m.group("rest").split()[0].strip(",.;:"))
        who = m.group("who")
        if verb and not normalize_actors(who):  # "Innovation in AI should continue": continue innovation
            return verb, clean_object(lower_first(re.sub(r"^(?:the|a|an)\s+", "", who, flags=re.IGNORECASE)))
    m = _IS_NEEDED.match(s)
    if m:
        return _noun_ask(m.group("noun"))
    return None


def extract_ask(text: str, kind: str = "action", lexicon: bool = True) -> Ask | None:
    """The first ask a call states, sentence by sentence: actor, verb and object; None when it asks nothing.
    ``lexicon`` False reads only the verbs of ``VERBS`` (and not "must to"): the pair score's same-ask-verb
    signal was fitted on asks read that way, and reading more verbs would change what it measures."""
    for sentence in split_sentences(text)[:4]:
        found = _sentence_ask(sentence, kind, lexicon)
        if found:
            verb, obj = found
            # who is called on in the sentence that asks: "Parents … need help. We invite companies to …"
            actor = _actor(extract_addressee(sentence, kind).names)
            if actor and actor.lower() in obj.lower():
                actor = ""  # "Parents should be sensitised": those the action is done to, not who is called on
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
    return last.endswith("s") and last not in VERBS and bool(base_form(last))


def _collective(head: str) -> bool:
    """Whether a subject's last word can name who acts: a plural ("funders"), a body ("industry") or a name."""
    head = head.strip(",.")
    return (head.isupper() or head.lower() in {"industry", "police", "academia", "government", "media", "sector",
                                                 "community", "society", "coalition", "igf", "unicef", "un",
                                                 "school"}
            or (head.lower().endswith("s") and not head.lower().endswith(("ss", "ics", "ness"))
                and not head.lower().endswith("ings")))


def _named_subject(sentence: str, obj: str) -> str:
    """The one called on when it is no actor the addressee rules know ("App stores and search engines to
    remove …"): the subject of "call on X to" or of "X should / must / to <verb>", at most five words."""
    s = re.sub(r"\s+", " ", sentence).strip()
    if _PASSIVE.match(s):
        return ""
    m = _CALL_ON.search(s) or _SUBJECT_MUST_TO.match(s) or _SUBJECT_MODAL.match(s) or _SUBJECT_TO.match(s)
    if not m:
        return ""
    who = re.sub(r"^(?:the|all|relevant|our)\s+", "", m.group("who").strip(" ,"), flags=re.IGNORECASE)
    words = who.split()
    if (not words or len(words) > 5 or _FINITE.search(who) or _NOT_ACTORS.match(who)
            or who.lower() in obj.lower() or words[0].lower() in {"what", "how", "which", "who", "why", "when"}
            or (words[0].lower().endswith("ing") and base_form(words[0]))
            or not _collective(words[-1]) or _verb_s(who)):
        return ""
    return who[:1].upper() + who[1:]
