"""Session metadata from a page: forum, year, type, number, title, date, SDGs and the people involved."""

from __future__ import annotations

import re
from datetime import datetime

from .headings import STOP_HEADINGS, heading_key, item_heading_kind
from .models import SessionMeta, fold_whitespace

_TYPES = {
    "open forum": "Open Forum",
    "workshop": "Workshop",
    "ws": "Workshop",
    "launch / award event": "Launch / Award Event",
    "launch/award event": "Launch / Award Event",
    "lightning talk": "Lightning Talk",
    "networking session": "Networking Session",
    "town hall": "Town Hall",
    "day 0 event": "Day 0 Event",
    "main session": "Main Session",
    "high-level session": "High-Level Session",
    "high level session": "High-Level Session",
    "dynamic coalition session": "Dynamic Coalition Session",
    "dc session": "Dynamic Coalition Session",
    "best practice forum": "Best Practice Forum",
    "bpf": "Best Practice Forum",
    "nri collaborative session": "NRI Collaborative Session",
    "nris collaborative session": "NRI Collaborative Session",
    "pre-event": "Pre-Event",
    "plenary": "Plenary",
    "plenary session": "Plenary",
    "flash": "Flash",
    "session": "Session",  # national and regional IGFs number their sessions plainly: "Session 5: …"
}
_TYPE_RE = "|".join(sorted((re.escape(t).replace(r"\ /\ ", r"\s*/\s*").replace(r"\ ", r"\s+") for t in _TYPES),
                           key=len, reverse=True))
_TITLE = re.compile(
    rf"^\s*(?:(?:IGF|Internet\s+Governance\s+Forum)\s*(?P<year>(?:19|20)\d\d)?\s*[:\-–]?\s*)?(?P<type>{_TYPE_RE})\s*#\s*(?P<num>\d+[A-Za-z]?)"
    r"\s*[:.\-–]?\s*(?P<title>.*)$",
    re.IGNORECASE,
)
# "Workshop 12: Title" without "#", read only on a page's first line (further down it may be a programme's line)
_TITLE_BARE = re.compile(rf"^\s*(?P<type>{_TYPE_RE})\s+(?P<num>\d{{1,3}})\s*[:.\-–—]\s*(?P<title>\S.*)$",
                         re.IGNORECASE)

# Forums other than the global IGF: regional, national and youth IGFs and the dialogues on Internet governance.
# Known names and their usual spellings map to one name; any other "<Name> IGF", "IGF <Name>", "<Name>IGF",
# "<Name>DIG" or "<Name> Internet Governance Forum" is kept as written ("Internet Governance Forum" as "IGF").
_FORUM_NAMES = {
    "aprigf": "APrIGF", "asia pacific regional igf": "APrIGF", "asia-pacific regional igf": "APrIGF",
    "asia pacific regional internet governance forum": "APrIGF",
    "asia-pacific regional internet governance forum": "APrIGF",
    "eurodig": "EuroDIG", "european dialogue on internet governance": "EuroDIG",
    "seedig": "SEEDIG", "south eastern european dialogue on internet governance": "SEEDIG",
    "youth igf": "Youth IGF", "youthigf": "Youth IGF", "yigf": "Youth IGF",
    "youth internet governance forum": "Youth IGF",
    "afigf": "AfIGF", "african igf": "AfIGF", "african internet governance forum": "AfIGF",
    "lacigf": "LACIGF", "latin american and caribbean igf": "LACIGF",
    "latin american and caribbean internet governance forum": "LACIGF",
    "arab igf": "Arab IGF", "arab internet governance forum": "Arab IGF",
    "apyig": "APYIG", "asia pacific youth igf": "APYIG", "asia-pacific youth igf": "APYIG",
    "asia pacific youth internet governance forum": "APYIG", "asia-pacific youth internet governance forum": "APYIG",
    "igf usa": "IGF-USA", "igf-usa": "IGF-USA", "usa igf": "IGF-USA",
    "igf": "IGF", "internet governance forum": "IGF",
}
_SMALL = r"(?:and|the|of|on|for|&)"
_NAME_WORD = r"(?!(?:IGF|Internet)\b)[A-Z][\w'’.]*(?:-[A-Z][\w]*)?"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_SMALL}\s+)?{_NAME_WORD}){{0,4}}"
_FORUM_RE = (
    rf"(?:{_NAME}\s+)?(?:Internet\s+Governance\s+Forum|IGF)"
    # "IGF Germany", "IGF-USA": a name after IGF only when the year, a type or the title's separator follows
    rf"(?:[- ](?!(?i:{_TYPE_RE})\b)(?:USA|{_NAME_WORD})(?=\s*(?:\(|[,:\-–—]|(?:19|20)\d\d|$|(?i:{_TYPE_RE})\b)))?"
    r"|(?:European|South\s+Eastern\s+European)\s+Dialogue\s+on\s+Internet\s+Governance"
    r"|[A-Z][A-Za-z]*(?:IGF|DIG)|APYIG"
)
# "APrIGF 2025 Workshop #14 Title", "EuroDIG 2025 Workshop 3: Title", "IGF-USA 2024 Title", "Youth IGF Title"
_FORUM_TITLE = re.compile(
    rf"^\s*(?P<forum>{_FORUM_RE})(?:\s*\((?P<short>[A-Za-z-]+)\))?\s*[,:\-–—]?\s*(?P<year>(?:19|20)\d\d\b)?"
    rf"\s*[:\-–—]?\s*(?:(?P<type>(?i:{_TYPE_RE}))\s*(?:#\s*(?P<num>\d+[A-Za-z]?)|(?P<bare>\d{{1,3}})(?=\s*[:.\-–—])|(?=:))"
    r"\s*[:.\-–—]?)?\s*(?P<title>.*)$"
)
# a line that only names the forum and its year: "Asia Pacific Regional Internet Governance Forum 2025"
_FORUM_LINE = re.compile(rf"^\s*(?P<forum>{_FORUM_RE})(?:\s*\((?P<short>[A-Za-z-]+)\))?\s+(?:19|20)\d\d\s*$")


def forum_name(written: str) -> str:
    """The one name a forum goes by: 'Asia Pacific Regional IGF' -> 'APrIGF'; unknown ones as written."""
    folded = re.sub(r"\s+", " ", written).strip()
    known = _FORUM_NAMES.get(folded.casefold())
    if known:
        return known
    return re.sub(r"\bInternet Governance Forum\b", "IGF", folded)


def _forum_of(match: re.Match[str]) -> str:
    short = match["short"]
    if short and forum_name(short) != short or short and re.fullmatch(r"[A-Za-z]*(?:IGF|DIG)", short):
        return forum_name(short)  # "European Dialogue on Internet Governance (EuroDIG)"
    return forum_name(match["forum"])


_YEAR_HINTS = [
    re.compile(r"Internet Governance Forum\s+((?:19|20)\d\d)"),
    re.compile(r"\bIGF\s*((?:19|20)\d\d)\b"),
]
_WEEKDAY_DATE = re.compile(
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+),?\s+((?:19|20)\d\d)"
)
_SDG = re.compile(r"^(\d{1,2})(?:\.(\w{1,2}))?\b")
_SDG_LINE = re.compile(r"\d{1,2}(?:\.\w{1,2})?\.?(?:\s+[^.!?]{1,60})?")  # "16.2", "4. Quality Education"

METADATA_LABELS = {
    "organizers", "organisers", "organizer", "speakers", "additional speakers", "onsite moderator",
    "online moderator", "moderator", "moderators", "rapporteur", "sdgs", "description", "format", "time",
    "room", "issue(s)", "duration (minutes)", "targets",
}
_PEOPLE_LABELS = {"organizers": "organizers", "organisers": "organizers", "organizer": "organizers",
                  "speakers": "speakers", "additional speakers": "speakers",
                  "onsite moderator": "moderators", "online moderator": "moderators",
                  "moderator": "moderators", "moderators": "moderators", "rapporteur": "rapporteur"}
_INLINE_ROLE = re.compile(r"^[–\-•]\s*(Moderator|Rapporteur)\s*:\s*(.+)$")
_NUMBERED_PEOPLE = re.compile(r"(?:^|\s)\d{1,2}\.\s*(?=[A-Z\u00c0-\u024f])")
# 2025 proposal pages run every organizer into one line: "Organizer 1: Name, Org, … Organizer 2: …"
_ORGANIZER_N = re.compile(r"(?:^|\s)(?:Organi[sz]er|Speaker)\s+\d{1,2}\s*:\s*")
# IGF 2023-2025 pages: "Organizer 1: Name, Organization", "Speaker 2: Name, Stakeholder group, Regional group",
# and a role with its person on one line ("Online Moderator: Name, …")
# (a transcript's "Moderator: Thank you, Dora." or "Speaker 1: …" is speech: a sentence, not a person line)
_ROLE_LINE = re.compile(r"^(?:(?P<role>(?:co-?)?organi[sz]er|speaker)\s*\d{1,2}|(?P<single>onsite moderator"
                        r"|on-site moderator|online moderator|rapporteur))\s*:\s*"
                        r"(?P<person>[^\s,.][^,]{0,60}(?:,[^,]{1,120}){0,6})$", re.IGNORECASE)
_ROLE_KEYS = {"organizer": "organizers", "coorganizer": "organizers", "co organizer": "organizers",
              "speaker": "speakers", "onsite moderator": "moderators", "on site moderator": "moderators",
              "online moderator": "moderators", "moderator": "moderators", "rapporteur": "rapporteur"}
_PERSON_LINE = re.compile(r"^[^\s,\d–•-][^,\d]{1,60},[^\d]*,[^\d]+$")


_LONGEST_LABEL = max(map(len, METADATA_LABELS))


def _label(line: str) -> str:
    text = line.strip().rstrip(":").strip()
    # casefold never shortens text, so a longer line cannot be a label: skip the costly fold ("" is no label)
    return text.casefold() if len(text) <= _LONGEST_LABEL else ""


def parse_metadata(text: str) -> SessionMeta:
    lines = text.split("\n")
    meta = SessionMeta()
    _parse_title(lines, meta)
    if event := _related_event(lines):
        meta.forum = event[0]
        meta.year = meta.year or event[1]
    if meta.year is None:
        for hint in _YEAR_HINTS:
            if match := hint.search(text):
                meta.year = int(match.group(1))
                break
    if match := _WEEKDAY_DATE.search(text[:20_000]):
        try:
            day = datetime.strptime(" ".join(match.groups()), "%d %B %Y")
        except ValueError:
            try:
                day = datetime.strptime(" ".join(match.groups()), "%d %b %Y")
            except ValueError:
                day = None
        if day:
            meta.date = day.date().isoformat()
            meta.year = meta.year or day.year
    _parse_labelled_blocks(lines, meta)
    meta.sdgs = _parse_sdgs(lines)
    return meta


# a "Session at a Glance" page ends with the event it belongs to: "Related event", then on the next line
# "Arab Internet Governance Forum 2025" or "Fórum da Internet no Brasil 2026 (FIB16)"
_RELATED_EVENT = re.compile(r"^\s*(?P<name>\S.{0,100}?)\s+(?P<year>(?:19|20)\d\d)(?:\s*\([^)]{1,20}\))?\s*$")


def _related_event(lines: list[str]) -> tuple[str, int] | None:
    """The forum and year a page's "Related event" names, if it has one (the page's own word on its event)."""
    for k in range(len(lines) - 1, -1, -1):
        if len(lines[k]) < 20 and lines[k].strip().casefold() == "related event":
            following = next((line for line in lines[k + 1:k + 3] if line.strip()), "")
            match = _RELATED_EVENT.match(following) if len(following) < 130 else None
            return (forum_name(match["name"]), int(match["year"])) if match else None
    return None


def _parse_forum_title(lines: list[str], meta: SessionMeta) -> bool:
    """A title line that starts with a forum other than the IGF; fills meta and returns True if found."""
    first = True
    for line in lines[:12]:
        if not line.strip() or len(line) >= 300 or line.lstrip()[:5].lower() == "check":
            continue
        match = _FORUM_TITLE.match(line)
        if not match and _TITLE.match(line):
            return False  # "Workshop #14 …": the title, read as before (its forum may be on a line of its own)
        # the first line may be the title as it is; further down (after a site's menu) it needs a type, or a
        # year and a title
        if not match or not (first or match["type"] or match["year"] and match["title"].strip()):
            first = False
            continue
        if forum_name(match["forum"]) == "IGF" and not match["short"]:
            return False  # an IGF title is read as before
        meta.forum = _forum_of(match)
        meta.year = int(match["year"]) if match["year"] else None
        if match["type"]:
            meta.session_type = _TYPES.get(re.sub(r"\s+", " ", re.sub(r"\s*/\s*", " / ", match["type"])).lower(),
                                           match["type"].strip())
            meta.number = match["num"] or match["bare"] or ""
        meta.title = fold_whitespace(match["title"]).strip(" :-–") or fold_whitespace(line)
        return True
    return False


def _page_forum(lines: list[str]) -> str:
    """The forum a page names on a line of its own near the top, if it is not the IGF."""
    for line in lines[:40]:
        if len(line) < 120 and (match := _FORUM_LINE.match(line)):
            forum = _forum_of(match)
            if forum != "IGF":
                return forum
    return ""


def _parse_title(lines: list[str], meta: SessionMeta) -> None:
    if _parse_forum_title(lines, meta):
        return
    meta.forum = _page_forum(lines)
    first = next((k for k, line in enumerate(lines) if line.strip()), 0)
    for k, line in enumerate(lines[:40]):
        match = _TITLE.match(line) or (_TITLE_BARE.match(line) if k == first else None)
        if match and len(line) < 300:
            year = match.groupdict().get("year")
            meta.year = int(year) if year else None
            meta.session_type = _TYPES.get(re.sub(r"\s+", " ", re.sub(r"\s*/\s*", " / ", match["type"])).lower(),
                                           match["type"].strip())
            meta.number = match["num"]
            meta.title = fold_whitespace(match["title"]).strip(" :-–") or _title_below(lines, k)
            meta.forum = meta.forum or "IGF"
            return
    for line in lines[:5]:  # no recognizable "type #number": keep the first line as the title
        if item_heading_kind(line) or STOP_HEADINGS.fullmatch(heading_key(line)):
            break  # the page starts with its outcomes ("Key Takeaways"): it names no session
        if 10 <= len(line.strip()) <= 200 and not line.strip().lower().startswith("check-in"):
            meta.title = fold_whitespace(line)
            break
    if not meta.forum and re.search(r"\bIGF\b|Internet Governance Forum", "\n".join(lines[:60])):
        meta.forum = "IGF"


def _title_below(lines: list[str], index: int) -> str:
    """The title on the line under "IGF 2025 Open Forum #28", where a narrow layout wrapped it."""
    below = next((fold_whitespace(ln) for ln in lines[index + 1:index + 3] if ln.strip()), "")
    if 10 <= len(below) <= 200 and not _label(below) and not STOP_HEADINGS.fullmatch(heading_key(below)):
        return below
    return ""


def _split_people(value: str) -> list[str]:
    parts = _NUMBERED_PEOPLE.split(_ORGANIZER_N.sub(" 1. ", " " + value))
    return [fold_whitespace(p).strip(" ,;") for p in parts if fold_whitespace(p).strip(" ,;")]


def _parse_labelled_blocks(lines: list[str], meta: SessionMeta) -> None:
    current: str | None = None
    taken = 0
    collected: dict[str, list[str]] = {"organizers": [], "speakers": [], "moderators": [], "rapporteur": []}
    for raw in lines:
        line = raw.strip()
        role = _ROLE_LINE.match(line) if line[:1] in "OoSsMmRrCc" else None
        if role and (role["person"][-1] in ".?!" or len(role["person"].split(",")[0].split()) > 5):
            role = None
        if role:  # "Speaker 2: Name, …" wherever it stands: the role says which list it belongs to
            written = role["role"] or role["single"]
            key = _ROLE_KEYS[re.sub(r"[\s-]+", " ", written).casefold().replace("organiser", "organizer")]
            # 2025 pages run every organizer into one line: "Organizer 1: …, Org Organizer 2: …"
            collected[key].extend(_split_people(line) if role["role"] else [fold_whitespace(role["person"])])
            current = None if key in ("moderators", "rapporteur") else key
            taken = 0
            continue
        if current is None and len(line) > _LONGEST_LABEL and line[-1] != ":" and line[0] not in "–-•":
            continue  # outside a block only a label or an inline role line matters, and this is neither
        label = _label(line)
        if label in METADATA_LABELS:
            current = _PEOPLE_LABELS.get(label)
            taken = 0
            continue
        # only a block in progress can be ended by a heading (a heading never starts with a dash or bullet,
        # so skipping the check outside blocks changes nothing; it is most of the lines of a long page)
        if current is not None and STOP_HEADINGS.fullmatch(heading_key(line)):
            current = None
            continue
        inline = _INLINE_ROLE.match(line) if line[:1] in "–-•" and line else None
        if inline:  # AI reports list "– Moderator: Name, Org" among the speakers
            collected["moderators" if inline[1] == "Moderator" else "rapporteur"].append(fold_whitespace(inline[2]))
            continue
        if current is None or not line:
            continue
        if current in ("moderators", "rapporteur") and taken:
            current = None  # moderators and rapporteur take one line each
            continue
        taken += 1
        numbered = bool(_NUMBERED_PEOPLE.match(line) or _ORGANIZER_N.match(line))
        if not numbered and (len(line) > 400 or item_like(line)):
            current = None
            continue
        line = re.sub(r"^[–\-•]\s*", "", line).lstrip("🔒")
        if ":" in line and current == "speakers" and not re.match(r"^\d", line):
            name, _, title = line.partition(":")
            line = f"{name.strip()}, {title.strip()}"
        collected[current].extend(_split_people(line) if current in ("organizers", "speakers") else [line])
    if not (collected["organizers"] and collected["speakers"]):
        _unlabelled_people(lines, collected)
    meta.organizers = _dedupe(collected["organizers"])
    meta.speakers = _dedupe(collected["speakers"])
    meta.moderators = _dedupe(collected["moderators"])
    meta.rapporteur = collected["rapporteur"][0] if collected["rapporteur"] else ""


def item_like(line: str) -> bool:
    return len(line.split()) > 25 and line.rstrip().endswith((".", "?"))


def _unlabelled_people(lines: list[str], collected: dict[str, list[str]]) -> None:
    """Pages copied without their labels: runs of 'Name, Org, …' lines near the top, organizers first."""
    runs: list[list[str]] = []
    previous_was_person = False
    for raw in lines[:80]:
        line = raw.strip()
        if not line:
            continue
        if _label(line) in METADATA_LABELS and _label(line) != "organizers":
            break
        numbered = re.match(r"^(\d{1,2})\.\s*(.+)$", line)
        body = numbered[2] if numbered else line
        is_person = bool(_PERSON_LINE.match(body)) and len(body) < 200 and len(body.split(",")[0].split()) <= 4
        if is_person:
            if not previous_was_person or (numbered and numbered[1] == "1"):
                runs.append([])
            runs[-1].append(fold_whitespace(body))
        previous_was_person = is_person
    if runs and not collected["organizers"]:
        collected["organizers"] = runs[0]
    if len(runs) > 1 and not collected["speakers"]:
        collected["speakers"] = runs[1]


def _dedupe(values: list[str]) -> list[str]:
    """The values in order without repeats (a dict, not a list scan: a page may list 100,000 names)."""
    return list(dict.fromkeys(value for value in values if value))


def _parse_sdgs(lines: list[str]) -> list[str]:
    found: list[str] = []
    in_block = blank = False
    for raw in lines:
        line = raw.strip()
        if not in_block and len(line) != 4 and line[-1:] != ":" and line[:1] not in "tT":
            continue  # neither the SDGs label nor a "Targets:" line
        if _label(line) == "sdgs":
            in_block, blank = True, False
            continue
        if line[:8].lower() == "targets:":  # only İ lengthens under lower(), and it cannot start "targets:"
            for token in line[len("targets:"):].split():
                match = _SDG.match(token)
                if not match or len(token.rstrip(".")) > 5:
                    break
                found.append(token.rstrip("."))
            in_block = False
            continue
        if in_block:
            if not line:
                blank = True  # a rendering that spaces its lines out (HTML, PDF) puts blank lines between codes
                continue
            match = _SDG.match(line)
            if not match or blank and found and not _SDG_LINE.fullmatch(line):
                in_block = False
                continue
            found.append(match[0] if match[2] else match[1])
    return _dedupe(found)
