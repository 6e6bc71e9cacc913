"""A person as session pages write them: "Name, Organization, stakeholder group, region" in any order after
the name, with IGF's spellings of the five stakeholder groups and the five UN regional groups."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .models import fold_whitespace

STAKEHOLDER_GROUPS = ("Civil Society", "Government", "Intergovernmental Organization", "Private Sector",
                      "Technical Community")
REGIONS = ("African Group", "Asia-Pacific Group", "Eastern European Group", "Latin American and Caribbean Group",
           "Western European and Others Group")
NOT_STATED = "Not stated"

_GROUP_NAMES = {
    "civil society": "Civil Society", "academia": "Civil Society",
    "government": "Government",
    "intergovernmental organization": "Intergovernmental Organization",
    "intergovernmental organisation": "Intergovernmental Organization",
    "international organization": "Intergovernmental Organization",
    "private sector": "Private Sector",
    "technical community": "Technical Community",
}
_REGION = re.compile(r"^(?:the\s+)?(african|asia[\s-]*pacific|eastern european|latin american and caribbean|"
                     r"grulac|western european and others?|weog)(?:\s+(?:group|states|countries))?"
                     r"(?:\s*\((?:grulac|weog)\))?$", re.IGNORECASE)
_REGION_NAMES = {"african": REGIONS[0], "asia-pacific": REGIONS[1], "eastern european": REGIONS[2],
                 "latin american and caribbean": REGIONS[3], "grulac": REGIONS[3],
                 "western european and other": REGIONS[4], "western european and others": REGIONS[4],
                 "weog": REGIONS[4]}
_ATTENDANCE = re.compile(r"\s*\((online|onsite|on-site|remote)\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Person:
    name: str
    organization: str = ""
    stakeholder_group: str = ""  # one of STAKEHOLDER_GROUPS, or "" when the page does not say
    region: str = ""  # one of REGIONS, or ""
    online: bool = False

    @property
    def key(self) -> str:
        """The same person however the page orders or capitalizes the name ("Hui ZHAO", "Zhao Hui")."""
        return " ".join(sorted(fold_whitespace(self.name).casefold().split()))

    def line(self) -> str:
        """Back to one line that ``parse_person`` reads the same way."""
        parts = [self.name, self.organization, self.stakeholder_group, self.region]
        return ", ".join(p for p in parts if p) + (" (online)" if self.online else "")


def _group(part: str) -> str:
    return _GROUP_NAMES.get(fold_whitespace(part).casefold(), "")


def _region(part: str) -> str:
    match = _REGION.match(fold_whitespace(part))
    if not match:
        return ""
    key = re.sub(r"asia[\s-]*pacific", "asia-pacific", match[1].casefold())
    return _REGION_NAMES.get(key, "")


@functools.lru_cache(maxsize=4096)  # the same people come back session after session
def parse_person(text: str) -> Person | None:
    """One person line; None for an empty line. Parts that are neither a stakeholder group nor a region
    are the organization (it may itself hold commas: "Beijing Baidu Netcom Science Technology Co., Ltd.")."""
    text = fold_whitespace(text).strip(" ,;")
    if not text:
        return None
    online = False
    parts = []
    for raw in text.split(","):
        part = raw.strip()
        if _ATTENDANCE.search(part):
            online = online or _ATTENDANCE.search(part)[1].lower() in ("online", "remote")  # type: ignore[index]
            part = _ATTENDANCE.sub("", part).strip()
        parts.append(part)
    name, rest = parts[0], [p for p in parts[1:] if p]
    group = region = ""
    organization = []
    for part in rest:
        if not group and _group(part):
            group = _group(part)
        elif not region and _region(part):
            region = _region(part)
        else:
            organization.append(part)
    return Person(name=name, organization=", ".join(organization), stakeholder_group=group, region=region,
                  online=online)
