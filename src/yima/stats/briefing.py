"""The figures as a zone writes them up: labelled rows and briefing sentences, in Chinese and English.

Every output (the CLI table, the spreadsheet, the printed report, the dashboard) takes its labels
and wording from here, so that the numbers read the same everywhere. The Chinese follows the
style of the zone's own briefing in its 2021 report ("今年1-8月，重庆高新区新增内资企业3437户，增长率为
16.76%；注册资本（金）260.78亿元，同比增长63.61%……"): counts without separators, money in 亿元 or
万元, per cent with two decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yima.standard.industry import all_industries
from yima.stats.rules import SECTOR_NAMES, ZoneFigures


@dataclass(frozen=True)
class FigureRow:
    """One headline figure: what it is (both languages), its value and unit, and its growth."""

    key: str
    zh: str
    en: str
    value: float | int | None
    unit_zh: str
    unit_en: str
    year_earlier: float | int | None = None
    growth_pct: float | None = None

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def unit(self, lang: str) -> str:
        return self.unit_en if lang == "en" else self.unit_zh


def yuan_100m(value: Decimal | int | float) -> float:
    """Yuan in 亿元 (hundreds of millions)."""
    return float(value) / 1e8


def money_zh(value: Decimal | int | float) -> str:
    amount = float(value)
    if abs(amount) >= 1e8:
        return f"{amount / 1e8:.2f}亿元"
    if abs(amount) >= 1e4:
        return f"{amount / 1e4:.2f}".rstrip("0").rstrip(".") + "万元"
    return f"{amount:.0f}元"


def money_en(value: Decimal | int | float) -> str:
    amount = float(value)
    if abs(amount) >= 1e9:
        return f"{amount / 1e9:.3f} billion yuan"
    if abs(amount) >= 1e6:
        return f"{amount / 1e6:.2f} million yuan"
    return f"{amount:,.0f} yuan"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


def growth_zh(value: float | None, word: str = "同比增长") -> str:
    if value is None:
        return "上年同期为零，无法计算增长率"
    if value < 0:
        return f"{word.replace('增长', '下降')}{-value:.2f}%"
    return f"{word}{value:.2f}%"


def growth_en(value: float | None) -> str:
    if value is None:
        return "no base a year earlier"
    return f"{'up' if value >= 0 else 'down'} {abs(value):.2f}% year on year"


def figure_rows(f: ZoneFigures) -> list[FigureRow]:
    """The headline figures, in the order of the briefing."""
    s = f.domestic_by_sector
    rows = [
        FigureRow("new_domestic_enterprises", "新增内资企业", "New domestic enterprises", int(f.new_domestic.current),
                  "户", "", int(f.new_domestic.year_earlier), f.new_domestic.growth_pct),
        FigureRow("new_domestic_capital", "新增内资企业注册资本（金）", "Their registered capital",
                  round(yuan_100m(f.new_domestic_capital.current), 2), "亿元", "100m yuan",
                  round(yuan_100m(f.new_domestic_capital.year_earlier), 2), f.new_domestic_capital.growth_pct),
        FigureRow("market_entities", "市场主体总数", "Market entities", int(f.market_entities.current), "户", "",
                  int(f.market_entities.year_earlier), f.market_entities.growth_pct),
        FigureRow("per_10k_residents", "每万名常住人口拥有市场主体", "Market entities per 10,000 residents",
                  None if f.per_10k_residents is None else round(f.per_10k_residents), "户", ""),
        FigureRow("domestic_enterprises", "内资企业总数", "Domestic enterprises", f.domestic_active, "户", ""),
    ]
    for sector, key in ((3, "tertiary"), (2, "secondary"), (1, "primary")):
        zh, en = SECTOR_NAMES[sector]
        rows.append(FigureRow(key, f"其中{zh}", f"… {en.lower()}", s.count(sector), "户", ""))
        share = s.share_pct(sector)
        rows.append(FigureRow(f"{key}_share", f"{zh}占比", f"… {en.lower()} share",
                              None if share is None else round(share, 2), "%", "%"))
    rows += [
        FigureRow("matters_processed", "办结企业登记事项", "Registration matters processed", f.matters.processed,
                  "件", ""),
        FigureRow("without_visit_share", "“不见面审批”办件占比", "Share processed without a visit",
                  None if f.matters.online_share_pct is None else round(f.matters.online_share_pct, 2), "%", "%"),
        FigureRow("address_commitments", "住所申报承诺登记", "Registrations by address commitment",
                  f.address_commitment, "户", ""),
    ]
    if f.one_code_licences is not None:
        rows.append(FigureRow("one_code_licences", "“一码通行”营业执照", "One-code licences issued",
                              f.one_code_licences, "份", ""))
    if f.cross_region_licences is not None:
        rows.append(FigureRow("cross_region_licences", "跨省异地办照", "Cross-region licences",
                              f.cross_region_licences, "份", ""))
    if f.seal_sets is not None:
        rows.append(FigureRow("seal_sets", "免费电子印章", "Free e-seal sets", f.seal_sets, "套", ""))
        rows.append(FigureRow("seal_savings", "为企业节约成本", "Saved for enterprises",
                              round((f.seal_savings_yuan or 0) / 1e4, 2), "万元", "10k yuan"))
    if f.bundled is not None:
        for key, zh, en, value in (
                ("materials_reduction", "“一业一证”材料压减", "Bundled licence: fewer materials",
                 f.bundled.materials_reduction_pct),
                ("time_reduction", "“一业一证”审批时间压减", "Bundled licence: less time",
                 f.bundled.time_reduction_pct)):
            rows.append(FigureRow(key, zh, en, None if value is None else round(value, 2), "%", "%"))
    return rows


def briefing_zh(f: ZoneFigures) -> list[str]:
    """The briefing, a paragraph per subject, in the zone's own style."""
    p, z = f.period.label_zh(), f.zone_name
    end = f"{f.period.end.year}年{f.period.end.month}月{f.period.end.day}日"
    s = f.domestic_by_sector
    paras = [
        f"{p}，{z}新增内资企业{f.new_domestic.current}户，{growth_zh(f.new_domestic.growth_pct, '增长率为')}；"
        f"注册资本（金）{money_zh(f.new_domestic_capital.current)}，{growth_zh(f.new_domestic_capital.growth_pct)}。"
        f"截至{end}，{z}共有各类市场主体{f.market_entities.current}户，"
        f"{growth_zh(f.market_entities.growth_pct, '年增长率为')}，常住人口中每一万人拥有市场主体数为"
        f"{round(f.per_10k_residents or 0)}户。",
        f"截至{end}，{z}拥有内资企业{f.domestic_active}户，其中第三产业{s.tertiary}户，占比{pct(s.share_pct(3))}；"
        f"第二产业{s.secondary}户，占比{pct(s.share_pct(2))}；第一产业{s.primary}户，占比{pct(s.share_pct(1))}。",
    ]
    matters = (f"{p}，办结各类企业登记事项{f.matters.processed}件，其中“不见面审批”办件量占比"
               f"{pct(f.matters.online_share_pct)}。")
    for t in f.approval_times:
        if t.median_hours is not None:
            matters += (f"{t.name_zh}{t.approved}件，审批用时中位数{duration_zh(t.median_hours)}、平均"
                        f"{duration_zh(t.mean_hours or 0)}（法定时限{t.statutory_days}天），"
                        f"{pct(t.within_limit_pct)}在法定时限内办结。")
    paras.append(matters)
    reform = f"{p}，办理住所（经营场所）申报登记承诺的市场主体{f.address_commitment}户。"
    if f.one_code_licences is not None:
        reform += f"“一码通行”营业执照发放{f.one_code_licences}份。"
    if f.cross_region_licences is not None:
        reform += f"跨省异地办照{f.cross_region_licences}份。"
    if f.seal_sets is not None:
        reform += f"发放免费印章{f.seal_sets}套，为企业节约成本{money_zh(f.seal_savings_yuan or 0)}。"
    if f.bundled is not None:
        reform += (f"“一业一证”改革后，提交材料数量压缩了{pct(f.bundled.materials_reduction_pct)}，"
                   f"审批时间压减了{pct(f.bundled.time_reduction_pct)}。")
    paras.append(reform)
    return paras


def briefing_en(f: ZoneFigures) -> list[str]:
    """The same briefing in English, paragraph for paragraph."""
    p, z = f"{f.period.start.isoformat()} to {f.period.end.isoformat()}", f.zone_name_in("en")
    s = f.domestic_by_sector
    paras = [
        f"From {p}, {f.new_domestic.current} domestic enterprises were established in {z} "
        f"({growth_en(f.new_domestic.growth_pct)}), with registered capital of "
        f"{money_en(f.new_domestic_capital.current)} ({growth_en(f.new_domestic_capital.growth_pct)}). "
        f"On {f.period.end.isoformat()} the zone had {f.market_entities.current} market entities "
        f"({growth_en(f.market_entities.growth_pct)}), {round(f.per_10k_residents or 0)} per 10,000 residents.",
        f"Of its {f.domestic_active} domestic enterprises, {s.tertiary} are tertiary ({pct(s.share_pct(3))}), "
        f"{s.secondary} secondary ({pct(s.share_pct(2))}) and {s.primary} primary ({pct(s.share_pct(1))}).",
    ]
    matters = (f"From {p}, {f.matters.processed} registration matters were processed, "
               f"{pct(f.matters.online_share_pct)} of them without a visit.")
    for t in f.approval_times:
        if t.median_hours is not None:
            matters += (f" {t.name_en}: {t.approved} approved, in a median of {duration_en(t.median_hours)} and a "
                        f"mean of {duration_en(t.mean_hours or 0)} (statutory limit {t.statutory_days} days); "
                        f"{pct(t.within_limit_pct)} within the limit.")
    paras.append(matters)
    reform = f"From {p}, {f.address_commitment} market entities registered their address by commitment."
    if f.one_code_licences is not None:
        reform += f" {f.one_code_licences} one-code licences were issued."
    if f.cross_region_licences is not None:
        reform += f" {f.cross_region_licences} licences were issued across regions."
    if f.seal_sets is not None:
        reform += (f" {f.seal_sets} free e-seal sets were issued, saving enterprises "
                   f"{money_en(f.seal_savings_yuan or 0)}.")
    if f.bundled is not None:
        reform += (f" With one licence per industry, the materials to submit fell by "
                   f"{pct(f.bundled.materials_reduction_pct)} and the approval time by "
                   f"{pct(f.bundled.time_reduction_pct)}.")
    paras.append(reform)
    return paras


def duration_en(hours: float) -> str:
    if hours < 1 / 60:
        return f"{hours * 3600:.1f} s"
    if hours < 1:
        return f"{hours * 60:.1f} min"
    return f"{hours:.1f} h"


def duration_zh(hours: float) -> str:
    if hours < 1 / 60:
        return f"{hours * 3600:.1f}秒"
    if hours < 1:
        return f"{hours * 60:.1f}分钟"
    return f"{hours:.1f}小时"


def section_names() -> dict[str, str]:
    """GB/T 4754-2017 section letters and their Chinese names."""
    return {entry.code: entry.name_zh for entry in all_industries("section")}
