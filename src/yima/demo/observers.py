"""Demo data for the observers: the Guangzhou development zone (广州开发区, ``gz-kfq``) with the 35
observers of its second term (as the zone's 2021 report tells of the appointment), its reform
office, four departments and suggestions in every state of the ledger.

The suggestions' steps carry fixed days of late 2026, which the installed calendar covers, so
their deadlines are counted on the official calendar whatever day the demo is loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

from yima.accounts.service import SharedPassword, add_user, set_password
from yima.db import Database
from yima.demo.users import demo_actor, demo_password
from yima.observers import service
from yima.zones.service import add_zone
from yima.zones.tables import Zone

ZONE = "gz-kfq"
SECOND_TERM = (date(2025, 1, 1), date(2026, 12, 31))
FIRST_TERM = (date(2023, 1, 1), date(2024, 12, 31))
DEPARTMENTS = (("区市场监督管理局", "District Market Regulation Bureau"),
               ("区政务服务和数据管理局", "District Government Services and Data Bureau"),
               ("区税务局", "District Tax Bureau"),
               ("区住房和城乡建设局", "District Housing and Construction Bureau"))
SECTOR_COUNTS = (("enterprise", 15), ("industry_association", 5), ("lawyer", 4), ("accountant", 3), ("media", 3),
                 ("deputy", 4), ("other", 1))
SURNAMES = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ("建华", "晓明", "丽娟", "志强", "海燕", "伟东", "秀英", "国庆", "嘉欣", "子豪", "慧敏", "永康", "雅婷",
         "振宇", "美玲", "家俊", "文静", "浩然", "佩珊", "俊杰", "晓燕", "立新", "思远", "婉清", "少华", "锦荣",
         "凤霞", "宏伟", "紫薇", "永亮", "梓涵", "德明", "秋菊", "卫国", "若彤")
ORGANISATIONS = {"enterprise": "黄埔区企业", "industry_association": "广州开发区行业协会", "lawyer": "律师事务所",
                 "accountant": "会计师事务所", "media": "新闻媒体", "deputy": "黄埔区人大代表/政协委员",
                 "other": "社区代表"}


def at(day: str, hour: int = 2) -> datetime:
    """10:00 China time on that day (02:00 UTC)."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).replace(hour=hour)


def seed_observers(db: Database, now: datetime, password: str | SharedPassword) -> Iterator[str]:
    with db.read() as session:
        if session.get(Zone, ZONE) is not None:
            return
    password = demo_password(password)
    add_zone(db, ZONE, "广州开发区", "440112", 1_270_000, now, name_en="Guangzhou Development Zone",
             authority_name="广州市黄埔区市场监督管理局", place_names=["广州", "广州市", "黄埔", "广东", "广东省"])
    office_user = "reform-gz"
    add_user(db, office_user, "reform_office", password, now, zone_id=ZONE, display_name="黄埔区营商环境改革局 周专员")
    department_ids = [service.add_department(db, None, ZONE, zh, now, en) for zh, en in DEPARTMENTS]
    for username, display, department_id in (("dept-gz-scj", "区市场监管局 何科长", department_ids[0]),
                                             ("dept-gz-zwfw", "区政务服务数据局 林科长", department_ids[1]),
                                             ("dept-gz-tax", "区税务局 梁科长", department_ids[2])):
        add_user(db, username, "department", password, now, zone_id=ZONE, display_name=display)
        service.bind_department_user(db, None, username, department_id, now)
    observers = [("谢泽帆", "enterprise", "华南新材料创新园")]
    names = iter(f"{s}{g}" for s, g in zip(SURNAMES, GIVEN, strict=False))
    for sector, count in SECTOR_COUNTS:
        for _ in range(count - (1 if sector == "enterprise" else 0)):
            observers.append((next(names), sector, ORGANISATIONS[sector]))
    for name, sector, organisation in observers:
        service.appoint_observer(db, None, ZONE, name, sector, *SECOND_TERM, now, organisation)
    for name, sector in (("罗振宇", "media"), ("陈美玲", "lawyer")):  # first term only: can read, not submit
        service.appoint_observer(db, None, ZONE, name, sector, *FIRST_TERM, now, ORGANISATIONS[sector])
    yield f"observers: {ZONE} 广州开发区, {len(observers)} observers of the second term, 2 of the first"
    observer_users = ("observer-gz-kfq-001", "observer-gz-kfq-002", "observer-gz-kfq-036")
    for username in observer_users:
        set_password(db, username, password, now)
    yield from _suggestions(db, department_ids)
    yield (f"observers: users {office_user} (reform office), dept-gz-scj, dept-gz-zwfw, dept-gz-tax (departments), "
           f"{', '.join(observer_users)} (observers; the last one's term has ended) — password {password.text}; "
           f"see /ledger")


def _suggestions(db: Database, departments: list[int]) -> Iterator[str]:
    office = demo_actor(db, "reform-gz")
    xie = demo_actor(db, "observer-gz-kfq-001")
    li = demo_actor(db, "observer-gz-kfq-002")
    scj, zwfw, tax = (demo_actor(db, u) for u in ("dept-gz-scj", "dept-gz-zwfw", "dept-gz-tax"))
    market, services, taxes, housing = departments

    def new(who: object, title: str, text: str, category: str, day: str) -> int:
        return service.submit(db, who, title, text, category, at(day))  # type: ignore[arg-type]

    # Closed, satisfied: replied on time.
    s1 = new(xie, "企业开办“一网通办”后刻章仍需跑现场", "新设企业在网上办完登记后，刻制公章仍要到刻章店现场办理，"
             "建议推行电子印章同步发放，实物印章免费邮寄。", "registration", "2026-09-01")
    service.accept(db, office, s1, at("2026-09-02"))
    service.assign(db, office, s1, market, 10, at("2026-09-02"))
    service.save_draft(db, scj, s1, "已于9月起实行电子印章与营业执照同步发放，实物印章由区财政买单免费邮寄。",
                       at("2026-09-10"))
    service.publish_reply(db, scj, s1, at("2026-09-10"))
    service.rate(db, xie, s1, None, "办理迅速，已在园区企业中宣传。", at("2026-09-12"), 5, ["time_limit"])
    # Merged into the first.
    s2 = new(li, "建议免费刻制公章", "新开办企业刻章费用负担较重，建议政府统一买单。", "registration", "2026-09-03")
    service.merge(db, office, s2, s1, at("2026-09-04"), "与第1号建议同一事项，一并答复")
    # Reopened after a dissatisfied first reply, then answered again and closed basically satisfied.
    s3 = new(xie, "园区用电报装时间过长", "新建厂房低压用电报装从申请到接电超过20个工作日，建议压缩环节。", "utilities",
             "2026-09-14")
    service.accept(db, office, s3, at("2026-09-15"))
    service.assign(db, office, s3, services, 5, at("2026-09-15"))
    service.save_draft(db, zwfw, s3, "已将意见转供电部门研究。", at("2026-10-09"))
    service.publish_reply(db, zwfw, s3, at("2026-10-09"))  # late: due before the holiday
    service.rate(db, xie, s3, None, "答复没有具体措施和时间表。", at("2026-10-10"), 2, ["procedure"])
    service.assign(db, office, s3, services, 10, at("2026-10-12"))
    service.save_draft(db, zwfw, s3, "联合供电局推行“零跑动”报装，低压接电压缩至5个工作日，11月1日起实施。",
                       at("2026-10-20"))
    service.publish_reply(db, zwfw, s3, at("2026-10-20"))
    service.rate(db, xie, s3, None, "措施具体，后续看落实。", at("2026-10-22"), 3)
    # Reopened, waiting for the office to send it back with a new deadline.
    s4 = new(li, "跨境电商企业出口退税慢", "出口退税平均到账时间较长，影响中小外贸企业资金周转。", "tax", "2026-10-19")
    service.accept(db, office, s4, at("2026-10-20"))
    service.assign(db, office, s4, taxes, 10, at("2026-10-20"))
    service.save_draft(db, tax, s4, "出口退税已实现平均3个工作日到账。", at("2026-10-30"))
    service.publish_reply(db, tax, s4, at("2026-10-30"))
    service.rate(db, li, s4, None, "实际到账仍需10天以上，请核实。", at("2026-11-02"), 1, ["time_limit"])
    # Replied, waiting for the observer's rating.
    s5 = new(xie, "政策兑现材料重复提交", "申报区级扶持政策时，营业执照、财务报表等材料每次都要重复上传。", "finance",
             "2026-11-02")
    service.accept(db, office, s5, at("2026-11-03"))
    service.assign(db, office, s5, services, 10, at("2026-11-03"))
    service.save_draft(db, zwfw, s5, "政策兑现系统已接入电子证照库，营业执照等材料免于提交。", at("2026-11-12"))
    service.publish_reply(db, zwfw, s5, at("2026-11-12"))
    # Overdue: assigned in October, no reply.
    s6 = new(li, "施工许可审批环节多", "社会投资小型工程施工许可仍需多个部门串联审批。", "permits", "2026-10-26")
    service.accept(db, office, s6, at("2026-10-27"))
    service.assign(db, office, s6, housing, 15, at("2026-10-27"))
    # Due soon, with an extension asked for.
    s7 = new(xie, "企业注销流程繁琐", "简易注销公告期满后，还需分别到税务、社保等部门办理。", "registration",
             "2026-11-20")
    service.accept(db, office, s7, at("2026-11-23"))
    service.assign(db, office, s7, market, 7, at("2026-11-23"))
    service.save_draft(db, scj, s7, "正在会同税务、人社部门梳理“一网通办”注销流程（草稿）。", at("2026-11-27"))
    service.request_extension(db, scj, s7, 5, "需与市级部门协调系统对接", at("2026-11-27"))
    # On track, and just given a department.
    s8 = new(li, "税务Ukey申领需到大厅", "新办企业申领税务Ukey仍需到办税服务厅现场领取。", "tax", "2026-11-26")
    service.accept(db, office, s8, at("2026-11-30"))
    service.assign(db, office, s8, taxes, 10, at("2026-11-30"))
    # In the ledger, not yet assigned; and one just submitted.
    s9 = new(xie, "人才公寓申请信息不透明", "人才公寓的房源和轮候情况不公开，企业难以安排人才入住。", "other",
             "2026-11-27")
    service.accept(db, office, s9, at("2026-11-30"))
    new(li, "园区融资对接会频次低", "建议每季度举办一次银企对接会，并在线发布金融产品清单。", "finance", "2026-11-30")
    yield "observers: 10 suggestions in every state of the ledger (gz-kfq)"
