"""Capital under the Company Law of 2023 (in force 2024-07-01), as plain functions.

* Art. 47: an LLC's shareholders pay in their subscribed capital (认缴出资) within five years of
  the company's establishment. A shareholder's ``contribution_due`` (认缴出资期限) later than that is
  refused (``capital.contribution_term``); an absent one means the statutory limit, which the
  register stores as a date marked ``contribution_due_statutory`` and shows as such.
* 国务院关于实施《中华人民共和国公司法》注册资本登记管理制度的规定 (State Council Order No. 784),
  Art. 2: an LLC registered before 2024-07-01 adjusts a longer remaining term so that it ends by
  2032-06-30 (five years from 2027-07-01); that date is its statutory limit here.
* Periods counted in years end on the corresponding day of the last year, or the month's last day
  where there is none (Civil Code Art. 202): five years from 2024-02-29 end on 2029-02-28.
* Paid-in capital (实缴) cannot exceed what the shareholder subscribed (registered capital × share),
  and cannot be paid on a day still to come (``capital.paid_in_exceeds``, ``capital.paid_in_date``).
* Art. 40 and the 企业信息公示暂行条例 (Art. 10): subscribed and paid-in contributions, their amounts
  and dates, are published (公示) with the enterprise — see ``public_contributions``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from yima.errors import Finding
from yima.registration.model import ApplicationIn

if TYPE_CHECKING:
    from yima.registration.rules import RuleContext

LAW_IN_FORCE = date(2024, 7, 1)
TRANSITION_LIMIT = date(2032, 6, 30)
TERM_YEARS = 5
#: The entity types whose shareholders subscribe capital payable over time (有限责任公司).
SUBSCRIBING_TYPES = frozenset({"llc"})
_CENT = Decimal("0.01")


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; no corresponding day (29 February) means the month's last day."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def statutory_due(established_on: date) -> date:
    """The last day an LLC's subscribed capital may be paid in by law."""
    if established_on < LAW_IN_FORCE:
        return TRANSITION_LIMIT
    return add_years(established_on, TERM_YEARS)


def subscribed(registered_capital: Decimal | str | float | None, share_pct: Decimal | str | float | None) -> Decimal:
    """A shareholder's subscribed contribution (认缴出资额): its share of the registered capital, in yuan."""
    capital = Decimal(str(registered_capital or 0))
    share = Decimal(str(share_pct or 0))
    return (capital * share / Decimal(100)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _established_on(app: ApplicationIn, ctx: RuleContext) -> date:
    """An establishment is dated the day it is decided (today); a change, the enterprise's date."""
    if app.matter != "establish" and ctx.enterprise:
        return ctx.enterprise.established_on
    return ctx.today


def _entity_type(app: ApplicationIn, ctx: RuleContext) -> str | None:
    if app.entity_type:
        return app.entity_type
    return ctx.enterprise.entity_type if ctx.enterprise else None


def contribution_term(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    """``capital.contribution_term``: within five years of establishment, and only for an LLC."""
    holders = [(i, h) for i, h in enumerate(app.shareholders or []) if h.contribution_due is not None]
    if not holders:
        return []
    if _entity_type(app, ctx) not in SUBSCRIBING_TYPES:
        return [Finding("capital.contribution_term", f"shareholders.{i}.contribution_due",
                        "认缴出资期限只适用于有限责任公司（股份有限公司发起人须在公司成立前足额缴纳股款，《公司法》第九十八条）",
                        "A contribution term applies only to a limited liability company (a joint-stock company's "
                        "promoters pay in full before it is established, Company Law Art. 98)")
                for i, _ in holders]
    limit = statutory_due(_established_on(app, ctx))
    return [Finding("capital.contribution_term", f"shareholders.{i}.contribution_due",
                    f"认缴出资期限 {h.contribution_due} 晚于法定期限 {limit}"
                    "（《公司法》第四十七条：自公司成立之日起五年内缴足）",
                    f"The contribution term {h.contribution_due} is later than the statutory limit {limit} "
                    "(Company Law Art. 47: paid in full within five years of establishment)")
            for i, h in holders if h.contribution_due is not None and h.contribution_due > limit]


def paid_in_within_subscribed(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    """``capital.paid_in_exceeds`` and ``capital.paid_in_date``."""
    capital = app.registered_capital
    if capital is None and ctx.enterprise:
        capital = ctx.enterprise.registered_capital
    findings: list[Finding] = []
    for i, holder in enumerate(app.shareholders or []):
        if holder.paid_in is None:
            continue
        owed = subscribed(capital, holder.share_pct)
        if holder.paid_in.amount > owed:
            findings.append(Finding("capital.paid_in_exceeds", f"shareholders.{i}.paid_in.amount",
                                    f"实缴出资 {holder.paid_in.amount:.2f} 元超过认缴出资 {owed:.2f} 元",
                                    f"Paid-in capital {holder.paid_in.amount:.2f} yuan exceeds the subscribed "
                                    f"{owed:.2f} yuan"))
        if holder.paid_in.date > ctx.today:
            findings.append(Finding("capital.paid_in_date", f"shareholders.{i}.paid_in.date",
                                    f"实缴日期 {holder.paid_in.date} 晚于今天（{ctx.today}）",
                                    f"The paid-in date {holder.paid_in.date} is after today ({ctx.today})"))
    return findings


def stored_shareholders(holders: list[dict[str, Any]], entity_type: str, established_on: date) -> list[dict[str, Any]]:
    """Shareholders as the register keeps them: an LLC shareholder without a term gets the statutory
    limit, stored as a date and marked ``contribution_due_statutory``."""
    if entity_type not in SUBSCRIBING_TYPES:
        return [dict(h) for h in holders]
    limit = statutory_due(established_on).isoformat()
    result = []
    for holder in holders:
        row = dict(holder)
        if not row.get("contribution_due"):
            row["contribution_due"], row["contribution_due_statutory"] = limit, True
        else:
            row.setdefault("contribution_due_statutory", False)
        result.append(row)
    return result


@dataclass(frozen=True)
class Contribution:
    """What the law publishes (公示) of a shareholder's contribution (``ShareholderOut``'s fields)."""

    subscribed: str  # yuan, two decimals
    contribution_due: str | None  # YYYY-MM-DD (an LLC's or a company's that subscribes)
    contribution_due_statutory: bool  # no term declared: the date is the statutory limit
    paid_in: str  # yuan, two decimals
    paid_in_on: str | None


def public_contributions(holder: dict[str, Any], registered_capital: Decimal, entity_type: str,
                         established_on: date) -> Contribution:
    """What the law publishes (公示) of a shareholder's contribution: subscribed amount and term,
    paid-in amount and date. No personal datum is in here."""
    paid = holder.get("paid_in") or {}
    due, statutory = holder.get("contribution_due"), bool(holder.get("contribution_due_statutory"))
    if entity_type in SUBSCRIBING_TYPES and not due:  # a row stored before the statutory default
        due, statutory = statutory_due(established_on).isoformat(), True
    subscribing = entity_type in SUBSCRIBING_TYPES
    return Contribution(subscribed=f"{subscribed(registered_capital, holder.get('share_pct')):.2f}",
                        contribution_due=due if subscribing else None,
                        contribution_due_statutory=statutory if subscribing else False,
                        paid_in=f"{Decimal(str(paid['amount'])):.2f}" if paid.get("amount") is not None else "0.00",
                        paid_in_on=paid.get("date"))
