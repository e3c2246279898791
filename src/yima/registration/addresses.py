"""Where an address lies: its administrative division (GB/T 2260 《中华人民共和国行政区划代码》).

An enterprise is registered by the registration authority of its domicile
(《市场主体登记管理条例》第十一条: one domicile, within the authority's jurisdiction); a domicile whose
division is outside the zone's division goes to an officer (``address.outside_zone``). The division
is read from the place names the address begins with — a province-level name (重庆, 四川省…) and
then a prefecture-level one that a zone of this instance names (成都市…) — so it is as precise as
those names: a province, or a prefecture. An address that names no known division is not judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from yima.errors import Finding

if TYPE_CHECKING:
    from yima.registration.model import ApplicationIn
    from yima.registration.rules import RuleContext

#: What may follow a province-level name before the next place name.
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


def _longest(text: str, names: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    hits = [(name, code) for name, code in names if name and text.startswith(name)]
    return max(hits, key=lambda hit: len(hit[0])) if hits else None


def address_division(text: str, divisions: Iterable[tuple[str, str]]) -> str | None:
    """The leading digits of the GB/T 2260 code of the division ``text`` lies in (2 for a province,
    4 for a prefecture), from ``divisions`` (place name, code prefix); None when it names none."""
    known = list(divisions)
    rest, found = text.strip(), None
    province = _longest(rest, ((n, c) for n, c in known if len(c) == 2))
    if province is not None:
        found, rest = province[1], rest[len(province[0]):]
        rest = next((rest[len(s):] for s in _PROVINCE_SUFFIXES if rest.startswith(s)), rest)
    city = _longest(rest, ((n, c) for n, c in known if len(c) > 2 and (found is None or c.startswith(found))))
    if city is not None:
        found = city[1]
    return found


def domicile_in_zone(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    """``address.outside_zone``: the domicile's division is not within the zone's."""
    if not ctx.zone_division:
        return []
    for i, address in enumerate(app.addresses or []):
        if address.kind not in (None, "domicile") or (address.kind is None and i > 0):
            continue
        found = address_division(address.text, ctx.divisions)
        if found is not None and not ctx.zone_division.startswith(found):
            return [Finding("address.outside_zone", f"addresses.{i}.text",
                            f"住所所在行政区划（{found}）不在本区行政区划（{ctx.zone_division}）内，"
                            "须由审批人员核实登记管辖",
                            f"The domicile lies in division {found}, outside the zone's division "
                            f"{ctx.zone_division} (GB/T 2260); an officer checks the jurisdiction")]
    return []
