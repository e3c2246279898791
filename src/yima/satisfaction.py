"""The one scale every rating in Yima is given on (政务服务“好差评”, GB/T 39734-2020 §7.3): five
levels, and the fixed indicators a rating may speak to.

* 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意. 4 or 5 is satisfied; 2 or less is a bad
  rating (差评).
* The observers' ledger of suggestions names a reply's rating in three words (满意度: 满意, 基本满意,
  不满意), which are the levels 4, 3 and 2 of this scale: a score is shown in the ledger as its word
  (5 and 4 满意, 3 基本满意, 2 and 1 不满意), and a word given alone (the v1 ``rating``) is its level.

Pure: plain data and functions, no database.
"""

from __future__ import annotations

from collections.abc import Sequence

from yima.errors import DomainError

SCORES: dict[int, tuple[str, str]] = {
    5: ("非常满意", "Very satisfied"),
    4: ("满意", "Satisfied"),
    3: ("基本满意", "Basically satisfied"),
    2: ("不满意", "Dissatisfied"),
    1: ("非常不满意", "Very dissatisfied"),
}
#: The points a rating speaks to (GB/T 39734-2020 评价内容 and its Annex A's points of a bad rating).
INDICATORS: dict[str, tuple[str, str]] = {
    "guide": ("办事指南", "Service guide"),
    "materials": ("申请材料", "Materials asked for"),
    "procedure": ("办事流程", "Procedure"),
    "time_limit": ("办理时限", "Time taken"),
    "visits": ("跑动次数", "Trips needed"),
    "attitude": ("服务态度", "Staff attitude"),
    "competence": ("业务水平", "Staff competence"),
    "online": ("网上办事", "Online service"),
    "integrity": ("廉洁规范", "Integrity"),
}
SATISFIED_FROM = 4
BAD_UP_TO = 2
MAX_COMMENT = 500
#: The ledger's three words (满意度) and the level each is on the scale.
WORD_SCORES: dict[str, int] = {"satisfied": 4, "basically_satisfied": 3, "dissatisfied": 2}


def satisfied(score: int) -> bool:
    return score >= SATISFIED_FROM


def is_bad(score: int) -> bool:
    """A bad rating (差评): dissatisfied or very dissatisfied."""
    return score <= BAD_UP_TO


def ledger_word(score: int) -> str:
    """The ledger's word for a score: satisfied (4, 5), basically_satisfied (3), dissatisfied (1, 2)."""
    return "satisfied" if satisfied(score) else "dissatisfied" if is_bad(score) else "basically_satisfied"


def check_score(score: object) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise DomainError("rating.score", "score", "评分须为 1 至 5 的整数（5 非常满意 … 1 非常不满意）",
                          "The score must be a whole number from 1 to 5 (5 very satisfied … 1 very dissatisfied)")
    return score


def check_indicators(indicators: Sequence[str]) -> tuple[str, ...]:
    """The indicators as stored: known codes, each once, in the order given."""
    chosen: list[str] = []
    for index, code in enumerate(indicators):
        if code not in INDICATORS:
            raise DomainError("rating.indicator", f"indicators[{index}]",
                              f"未知评价指标：{code}（可选：{', '.join(INDICATORS)}）",
                              f"Unknown indicator: {code} (one of: {', '.join(INDICATORS)})")
        if code not in chosen:
            chosen.append(code)
    return tuple(chosen)


def check_comment(comment: str) -> str:
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError("rating.comment_length", "comment", f"评价内容不超过 {MAX_COMMENT} 个字符",
                          f"The comment has at most {MAX_COMMENT} characters")
    return comment
