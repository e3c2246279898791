"""Registration use cases: submit (with 秒批), decide, supply materials, withdraw, lapse.

Each use case is one transaction (``Database.write``): it loads what the rules need, calls the
pure rules, stores the result, its transitions and their audit entries, and commits, or changes
nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, cast, func, select, text, true, union, union_all, update
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement, TextClause

from yima.actors import Actor, may_work_zone, require_role
from yima.audit import service as audit
from yima.audit.rules import AuditEvent
from yima.clock import local_date, utcnow
from yima.db import Base, Database
from yima.db.base import table_of
from yima.db.bulk import PendingKey, insert_new, new_row
from yima.db.prepared import Prepared
from yima.errors import Conflict, DomainError, Forbidden
from yima.register import service as register
from yima.register.service import not_in_existence, require_in_existence
from yima.register.status import EnterpriseStatus, EnterpriseStep, entry_status
from yima.register.tables import Enterprise, EnterpriseAddress
from yima.registration import capital, decisions, handoff, names, owner_records, reserve, rules
from yima.registration.appview import ApplicationView
from yima.registration.codes import make_uscc
from yima.registration.materials import clean_filename
from yima.registration.model import ApplicationIn, ApplicationRecord
from yima.registration.records import changed_since, record_of
from yima.registration.status import DECISIONS, PENDING, TRANSITIONS, Status, Step, allowed, leads_to
from yima.registration.tables import Application, MaterialUpload, Transition
from yima.registration.views import application_not_found, application_view, not_withdrawable
from yima.standard.model import MatterStandard
from yima.uploads import check_upload, store_upload
from yima.words import Words
from yima.zones.service import ZoneRuleSettings, rule_settings
from yima.zones.tables import Zone, org_sequence


def _transition(app: Application, step: Step, to: Status, actor: Actor | None, now: datetime,
                reason: Words | None = None) -> None:
    """Record a state change the transition table allows; its reason whole in each language (and as
    the v1 one-string ``reason``). The only place an application's status is written."""
    before = app.status if app.transitions else None
    if not leads_to(step, before, to):
        raise Conflict("application.state", "status", f"申请当前状态为 {before}，不能{step}至 {to}",
                       f"The application is {before}; {step} cannot make it {to}")
    words = reason or Words("", "")
    app.transitions.append(new_row(Transition, from_status=before, to_status=to,
                                   actor_id=actor.id if actor else None,
                                   actor_role=actor.role if actor else "system", reason=words.text,
                                   reason_zh=words.zh, reason_en=words.en, at=now))
    app.status = to.value


def _record(session: Session, app: Application, since: int, created: Sequence[Base] = (),
            overridden: Sequence[str] = ()) -> None:
    """Audit what this use case did: the application's transitions from ``since`` on, and the
    rows an establishment created (by whoever made the last transition). An approval that
    overrode findings names their rules."""
    subject = f"application:{app.id}"
    events = [AuditEvent(app.zone_id, t.at, t.actor_id, t.actor_role, f"application.{t.to_status}", subject,
                         {"matter": app.matter, "from": t.from_status, "reason": t.reason[:200],
                          **({"overridden": list(overridden)}
                             if overridden and t.to_status == Status.APPROVED else {})})
              for t in app.transitions[since:]]
    last = app.transitions[-1]

    def by_last(action: str, about: str, **detail: Any) -> AuditEvent:
        return AuditEvent(app.zone_id, last.at, last.actor_id, last.actor_role, action, about, detail)

    approval = handoff.Approval(app.id, app.zone_id, app.enterprise_uscc, last.at, last.actor_id, last.actor_role)
    for row in created:
        if isinstance(row, Enterprise):
            events.append(by_last("enterprise.established", f"enterprise:{row.uscc}", name=row.name,
                                  application=app.id, addresses=len(row.addresses)))
        else:
            events.extend(e for follower in handoff.followers() if (e := follower.audit_event(row, approval)))
    audit.record(session, events)
    listeners = handoff.transition_listeners()
    if listeners:
        changed = changed_since(app, since)
        for listener in listeners:
            listener(session, changed, created)


# The statements of the 秒批 path are built once: building a statement costs more than running it.
_ENTERPRISES, _APPLICATIONS, _ZONES = table_of(Enterprise), table_of(Application), table_of(Zone)
_TAKEN_NAMES = Prepared(union(
    select(_ENTERPRISES.c.name).where(_ENTERPRISES.c.zone_id == bindparam("zone"),
                                      _ENTERPRISES.c.name == bindparam("name"),
                                      _ENTERPRISES.c.status == EnterpriseStatus.ACTIVE),
    select(_APPLICATIONS.c.name).where(_APPLICATIONS.c.zone_id == bindparam("zone"),
                                       _APPLICATIONS.c.name == bindparam("name"), _APPLICATIONS.c.status.in_(PENDING))))
_NEXT_ORG_SEQ = Prepared(update(_ZONES).where(_ZONES.c.id == bindparam("zone"))
                         .values(org_next_seq=_ZONES.c.org_next_seq + 1)
                         .returning(_ZONES.c.org_next_seq, _ZONES.c.division_code, _ZONES.c.org_block_start,
                                    _ZONES.c.org_block_size))
_NEXT_FROM_SEQUENCE = Prepared(select(func.nextval(cast(bindparam("sequence", type_=String()), REGCLASS)),
                                      _ZONES.c.division_code, _ZONES.c.org_block_start, _ZONES.c.org_block_size)
                               .where(_ZONES.c.id == bindparam("zone")))


def _taken_names(session: Session, zone_id: str, name: str | None) -> frozenset[str]:
    """Names of the zone's active enterprises and pending applications equal to ``name``."""
    if not name:
        return frozenset()
    return frozenset(row[0] for row in _TAKEN_NAMES.run(session, {"zone": zone_id, "name": name}))


#: At most this many active enterprises sharing a 字号 are compared with a new name (work per request is bounded).
MAX_ALIKE = 50
#: Above every text that begins with a given one, in the byte order of UTF-8 (SQLite's ``BINARY``
#: collation; PostgreSQL's ``text_pattern_ops`` operators, whatever the database's collation).
_ABOVE = "\U0010ffff"


@lru_cache(maxsize=64)
def _alike_statement(dialect: str, beginnings: int) -> Prepared:
    """The zone's active enterprises whose names begin with one of ``beginnings`` texts (parameters
    ``from0``, ``to0``, …): the first ``MAX_ALIKE`` of each range of the index on (zone, name) in the
    index's own order, so that a common 字号 reads no more of the register than a rare one (revision
    0043 gives PostgreSQL an index in byte order, ``ix_enterprises_zone_name_prefix``, read in its
    order by ``USING ~<~``)."""
    name, uscc = _ENTERPRISES.c.name, _ENTERPRISES.c.uscc
    arms = []
    order: ColumnElement[Any] | TextClause
    for n in range(beginnings):
        low, high = bindparam(f"from{n}", type_=String), bindparam(f"to{n}", type_=String)
        if dialect == "postgresql":
            within, order = and_(name.op("~>=~")(low), name.op("~<~")(high)), text("enterprises.name USING ~<~")
        else:
            within, order = and_(name >= low, name < high), name
        arms.append(select(name, uscc)
                    .where(_ENTERPRISES.c.zone_id == bindparam("zone"),
                           _ENTERPRISES.c.status == EnterpriseStatus.ACTIVE, within)
                    .order_by(order).limit(MAX_ALIKE).subquery().select())
    return Prepared(arms[0] if len(arms) == 1 else union_all(*arms))


def registered_alike(session: Session, standard: MatterStandard, zone_id: str, name: str | None,
                     place_names: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``(name, uscc)`` of at most ``MAX_ALIKE`` of the zone's active enterprises whose names may have
    the 字号 of ``name`` (``names.register_findings`` keeps those whose 字号 is the same): those whose
    names begin as a name with that 字号 does (``names.trade_beginnings``), a few ranges of an index,
    each read no further than ``MAX_ALIKE`` rows. When that many are found, a range may have stopped
    before the names with the new name's feature too, so the ranges of that 字号 and feature are read
    as well, and their names come first (a refusal names one of them). So the work grows neither with
    the zone's register nor with how common the 字号 is (a search for the 字号 anywhere in a name read
    every name of the zone: 14 ms at the demo's 60,000 enterprises, a quarter of a second of CPU at a
    million)."""
    parts = names.parse(name, place_names, standard) if name else None
    if parts is None or not parts.trade:
        return ()
    dialect = session.get_bind().dialect.name
    found = set(_names_beginning(session, dialect, zone_id, names.trade_beginnings(parts.trade, place_names)))
    same = names.trade_beginnings(parts.trade, place_names, parts.feature)
    if len(found) >= MAX_ALIKE:  # a common 字号
        found |= set(_names_beginning(session, dialect, zone_id, same))
    return tuple(sorted(found, key=lambda row: (not row[0].startswith(same), row[1]))[:MAX_ALIKE])


def _names_beginning(session: Session, dialect: str, zone_id: str,
                     beginnings: Sequence[str]) -> list[tuple[str, str]]:
    statement = _alike_statement(dialect, len(beginnings))
    return [(str(row[0]), str(row[1])) for row in statement.run(session, _alike_values(zone_id, beginnings))]


def _alike_values(zone_id: str, beginnings: Sequence[str]) -> dict[str, str]:
    """The parameters of ``_alike_statement``: the zone, and each beginning's range."""
    values = {"zone": zone_id}
    for n, text_ in enumerate(beginnings):
        values[f"from{n}"], values[f"to{n}"] = text_, text_ + _ABOVE
    return values


def enterprise_facts(enterprise: Enterprise) -> rules.EnterpriseFacts:
    return rules.EnterpriseFacts(uscc=enterprise.uscc, name=enterprise.name, entity_type=enterprise.entity_type,
                                 status=enterprise.status, owner_id=enterprise.owner_id,
                                 established_on=enterprise.established_on,
                                 registered_capital=enterprise.registered_capital)


def build_context(standard: MatterStandard, body: ApplicationIn, now: datetime, zone: ZoneRuleSettings | None,
                  enterprise: Enterprise | None) -> rules.RuleContext:
    """What the rules know besides the application. Names taken in the zone are looked up in the
    write transaction, where they cannot change before the application is stored."""
    return rules.RuleContext(
        standard=standard, zone_id=body.zone, zone_known=zone is not None,
        place_names=zone.place_names if zone else (), today=local_date(now), taken_names=frozenset(),
        address_bans=tuple(rules.AddressBanEntry(p, r) for p, r in zone.address_bans) if zone else (),
        enterprise=enterprise_facts(enterprise) if enterprise else None,
        zone_division=zone.division_code if zone else "", divisions=zone.divisions if zone else ())


def submit(db: Database, standard: MatterStandard, actor: Actor, body: ApplicationIn, now: datetime,
           idempotency_key: str | None = None, *, channel: str | None = None) -> int:
    """Create and submit an application; approve it at once (秒批) when every rule passes."""
    return submit_with_view(db, standard, actor, body, now, idempotency_key, channel=channel).id


def submit_with_view(db: Database, standard: MatterStandard, actor: Actor, body: ApplicationIn, now: datetime,
                     idempotency_key: str | None = None, *, channel: str | None = None) -> ApplicationView:
    """``submit``, answering with the application as its applicant sees it.

    The rules run before the write transaction, so that concurrent submissions evaluate side by
    side; the write transaction then checks what another submission may change meanwhile (the
    names taken in the zone) and stores the result.

    An application for a zone that a registered forwarder serves (a partner zone, 跨省异地办照) is
    handed to it; ``channel`` overrides the body's channel for applications that arrive by another
    way than the v1 API (``cross_region``).
    """
    require_role(actor, "applicant", "officer", "admin")
    db.give_way()  # the rules and the rows built before the lock wait while this process's writer holds it
    forwarder = handoff.forwarder_for(db, body.zone) if channel is None else None
    if forwarder is not None:
        return forwarder.submit(db, standard, actor, body, now, idempotency_key)
    if actor.role == "officer" and actor.zone_id != body.zone:
        raise Forbidden("zone.not_yours", "zone", "审批人员只能为本区受理申请", "Officers accept only for their zone")
    enterprise = None
    if idempotency_key or body.uscc:
        with db.read() as session:
            earlier = _by_idempotency_key(session, actor, idempotency_key)
            if earlier is not None:
                return application_view(earlier, now)
            enterprise = _enterprise_for(session, actor, body)
    ctx = build_context(standard, body, now, rule_settings(db, body.zone), enterprise)
    if body.name and ctx.zone_known:
        with db.glance() as session:  # one statement
            ctx = replace(ctx, registered=registered_alike(session, standard, body.zone, body.name, ctx.place_names))
    db.give_way()
    evaluation = rules.evaluate(body, ctx)
    status = rules.outcome(evaluation)  # invalid input raises here, before anything is written

    def submitted(findings: rules.Evaluation) -> Application:
        app = _new_application(standard, actor, body, ctx, findings, now, idempotency_key)
        if channel is not None:
            app.channel = channel
        _transition(app, Step.SUBMIT, Status.SUBMITTED, actor, now)
        return app

    # Built before the write transaction, which SQLite serialises: only a name taken meanwhile changes it.
    drafted = submitted(evaluation)
    # An establishment approved with a code of the process's reserve (SQLite) has its rows and signed
    # licence built now too; inside the writer lock they are only inserted.
    db.give_way()
    ahead = _approved_ahead(db, standard, drafted, now) if status == Status.APPROVED else None
    refill = db.is_sqlite and status == Status.APPROVED and body.matter == "establish" \
        and reserve.claim_refill(db.url, body.zone)
    codes: reserve.Codes | None = None
    committed = False

    def store(session: Session) -> Application | ApplicationView:
        nonlocal codes
        earlier = _by_idempotency_key(session, actor, idempotency_key)
        if earlier is not None:
            return application_view(earlier, now)
        outcome, findings, app = status, evaluation, drafted
        taken = _taken_names(session, body.zone, body.name)
        if taken and outcome != Status.REJECTED:
            findings = replace(evaluation, review=[*evaluation.review,
                                                   *rules.name_is_unique(body, replace(ctx, taken_names=taken))])
            outcome = rules.outcome(findings)
            app = submitted(findings)
        if outcome == Status.APPROVED and ahead is not None and app is drafted:
            created = ahead
        elif outcome == Status.APPROVED:
            created = _approve(session, standard, app, None, now, INSTANT)
        else:
            created = []
            _transition(app, Step.EVALUATE, outcome, None, now,
                        Words.joined([Words(f.zh, f.en) for f in findings.findings]))
            if outcome == Status.REJECTED:
                app.decided_at = now
        if refill:  # after this approval's own code
            codes = _reserve_codes(session, body.zone)
        insert_new(session, [app, *app.transitions, *created])
        owner_records.store(session, app, body.beneficial_owners or [], now)
        _record(session, app, 0, created)
        return app

    try:
        # Submissions waiting at the same time share one transaction and one durable commit, each in
        # its own savepoint (``Database.write_grouped``): a refused one changes nothing of the others.
        stored = db.write_grouped(store)
        committed = True
    except IntegrityError as err:
        if idempotency_key:
            with db.read() as session:
                again = _by_idempotency_key(session, actor, idempotency_key)
                if again is not None:
                    return application_view(again, now)
        raise Conflict("application.conflict", "name", "与同时提交的另一申请冲突，请重试",
                       "Conflicts with another submission made at the same time; try again") from err
    finally:
        if refill:  # the codes taken count only once their commit is durable
            reserve.refilled(db.url, body.zone, codes if committed else None)
    db.give_way()  # and so does the answer
    return stored if isinstance(stored, ApplicationView) else application_view(stored, now)


def earlier_submission(session: Session, actor: Actor, idempotency_key: str | None) -> ApplicationRecord | None:
    """The application ``actor`` submitted before with this idempotency key (a retried request)."""
    earlier = _by_idempotency_key(session, actor, idempotency_key)
    return record_of(earlier) if earlier is not None else None


def check_for_partner(standard: MatterStandard, body: ApplicationIn, now: datetime) -> rules.RuleContext:
    """What this zone checks of an application it forwards to the partner zone that decides it
    (跨省异地办照): the shared standard's rules; what needs the partner's data (names taken there,
    its address negative list, its place names) is the partner's to check. Invalid input raises."""
    ctx = rules.RuleContext(standard=standard, zone_id=body.zone, zone_known=True, place_names=(),
                            today=local_date(now))
    evaluation = rules.evaluate(body, ctx)
    if evaluation.invalid:
        raise DomainError.of(evaluation.invalid)
    return ctx


def file_forwarded(session: Session, standard: MatterStandard, actor: Actor, body: ApplicationIn,
                   ctx: rules.RuleContext, zone_id: str, now: datetime, idempotency_key: str | None,
                   reason: Words) -> ApplicationRecord:
    """Store, in the caller's transaction (which writes the message that carries it), an application
    the partner zone decides: filed in ``zone_id``, the zone that accepted it, as ``forwarded``."""
    matter = standard.matters[body.matter]
    app = new_row(Application, zone_id=zone_id, applicant_id=actor.id, matter=body.matter,
                  entity_type=rules.entity_type_of(body, ctx) or "", channel=body.channel,
                  name=body.name or "", status=Status.FORWARDED.value, enterprise_uscc=None,
                  body=application_body(body), findings=[],
                  missing_materials=rules.missing_materials(body, ctx),
                  statutory_due_at=now + timedelta(days=matter.statutory_days),
                  idempotency_key=idempotency_key, submitted_at=now, standard_digest=standard.digest,
                  uploads=[])
    _transition(app, Step.FORWARD, Status.FORWARDED, actor, now, reason)
    session.add(app)
    session.flush()
    return record_of(app)


def _by_idempotency_key(session: Session, actor: Actor, key: str | None) -> Application | None:
    if not key:
        return None
    return session.scalar(select(Application).options(selectinload(Application.transitions),
                                                      selectinload(Application.uploads))
                          .where(Application.applicant_id == actor.id, Application.idempotency_key == key))


def _enterprise_for(session: Session, actor: Actor, body: ApplicationIn) -> Enterprise | None:
    """The enterprise a change, cancellation or filing is for, if the actor may act for it."""
    enterprise = session.get(Enterprise, body.uscc) if body.uscc else None
    if enterprise is None or enterprise.zone_id != body.zone:
        return None
    if actor.role == "applicant" and enterprise.owner_id != actor.id:
        raise Forbidden("enterprise.not_yours", "uscc", "只能为本人名下的企业办理此事项",
                        "You may take this matter only for your own enterprise")
    return enterprise


def _new_application(standard: MatterStandard, actor: Actor, body: ApplicationIn, ctx: rules.RuleContext,
                     evaluation: rules.Evaluation, now: datetime, idempotency_key: str | None) -> Application:
    matter = standard.matters[body.matter]
    own_name = ctx.enterprise.name if ctx.enterprise else ""
    return new_row(
        Application, zone_id=body.zone, applicant_id=actor.id, matter=body.matter,
        entity_type=rules.entity_type_of(body, ctx) or "", channel=body.channel, name=body.name or own_name,
        status=Status.SUBMITTED, enterprise_uscc=body.uscc, body=application_body(body),
        findings=[f.as_dict() for f in evaluation.findings], missing_materials=rules.missing_materials(body, ctx),
        statutory_due_at=now + timedelta(days=matter.statutory_days), idempotency_key=idempotency_key,
        submitted_at=now, standard_digest=standard.digest, uploads=[])


def application_body(body: ApplicationIn) -> dict[str, Any]:
    """What an application keeps as its body: everything but the beneficial owners, which only
    ``owner_records`` keeps (受益所有人信息 is never shown with the application)."""
    return body.model_dump(mode="json", exclude={"beneficial_owners"})


INSTANT = Words("秒批：全部规则通过", "instant approval: every rule passed")


def _approved_ahead(db: Database, standard: MatterStandard, app: Application, now: datetime) -> list[Base] | None:
    """The rows of an establishment that 秒批 approves (the enterprise, its addresses, the
    followers' permits, signed licence and seal set), built before the write transaction with a
    code of the process's reserve; None when there is none (the write transaction then takes the
    code and builds them). ``app`` is then approved. On PostgreSQL a low reserve is refilled here
    from the zone's sequence (on SQLite in the write transaction: ``_reserve_codes``)."""
    if app.matter != "establish":
        return None
    if not db.is_sqlite and reserve.claim_refill(db.url, app.zone_id):
        codes: list[reserve.Reserved] | None = None
        try:
            codes = _codes_from_sequence(db, app.zone_id)
        finally:
            reserve.refilled_with(db.url, app.zone_id, codes)
    code = reserve.take(db.url, app.zone_id)
    if code is None:
        return None
    uscc = make_uscc(app.entity_type, code.division_code, code.seq, code.block_start)
    with db.read() as session:  # the followers read (the zone's signing keys), never write
        return _approve(session, standard, app, None, now, INSTANT, uscc=uscc)


#: ``org_next_seq`` moves by ``n`` only while the block has ``n`` codes left: near its end codes
#: are taken one at a time, in the write transaction (``_next_uscc``), until it is used up.
_RESERVE_ORG_SEQ = Prepared(update(_ZONES).where(_ZONES.c.id == bindparam("zone"),
                                                 _ZONES.c.org_next_seq + bindparam("n") <= _ZONES.c.org_block_size)
                            .values(org_next_seq=_ZONES.c.org_next_seq + bindparam("n"))
                            .returning(_ZONES.c.org_next_seq, _ZONES.c.division_code, _ZONES.c.org_block_start))


_SEQUENCE_VALUES = Prepared(
    select(func.nextval(cast(bindparam("sequence", type_=String()), REGCLASS)), _ZONES.c.division_code,
           _ZONES.c.org_block_start, _ZONES.c.org_block_size)
    .select_from(_ZONES.join(func.generate_series(1, bindparam("n", type_=Integer())).table_valued("i"), true()))
    .where(_ZONES.c.id == bindparam("zone")))


def _codes_from_sequence(db: Database, zone_id: str) -> list[reserve.Reserved]:
    """``reserve.RESERVE`` values of the zone's sequence (PostgreSQL), in one statement outside a
    transaction: no rollback gives them back. Those past the zone's block are dropped (the write
    transaction's ``_next_uscc`` then refuses the approval, naming the used-up block)."""
    with db.glance() as session:
        rows = _SEQUENCE_VALUES.run(session, {"zone": zone_id, "sequence": org_sequence(zone_id), "n": reserve.RESERVE})
    return [reserve.Reserved(int(seq), division_code, block_start)
            for seq, division_code, block_start, block_size in sorted(rows) if seq <= block_size]


def _reserve_codes(session: Session, zone_id: str) -> reserve.Codes | None:
    """Take ``reserve.RESERVE`` codes from the zone's counter in the write transaction (SQLite)."""
    rows = _RESERVE_ORG_SEQ.run(session, {"zone": zone_id, "n": reserve.RESERVE})
    if not rows:
        return None
    (last, division_code, block_start), = rows
    return reserve.Codes(last - reserve.RESERVE + 1, last, division_code, block_start)


def _next_uscc(session: Session, zone_id: str, entity_type: str) -> str:
    """The zone's next credit code: on SQLite from the zone's counter (writers take turns anyway);
    on PostgreSQL from the zone's sequence, which no transaction holds until its commit."""
    if session.get_bind().dialect.name == "postgresql":
        rows = _NEXT_FROM_SEQUENCE.run(session, {"zone": zone_id, "sequence": org_sequence(zone_id)})
    else:
        rows = _NEXT_ORG_SEQ.run(session, {"zone": zone_id})
    (next_seq, division_code, block_start, block_size), = rows
    if next_seq > block_size:
        raise Conflict("zone.org_block_exhausted", "zone", "本区组织机构代码段已用完",
                       "The zone's code block is used up")
    return make_uscc(entity_type, division_code, next_seq, block_start)


def _addresses(body: dict[str, Any], now: datetime, first_is_domicile: bool,
               proved: set[int] | frozenset[int] = frozenset()) -> list[EnterpriseAddress]:
    """The addresses to register; those whose use an uploaded material proved (``proved``, by
    index) are registered as proved, not by commitment."""
    result = []
    for i, item in enumerate(body.get("addresses") or []):
        kind = item.get("kind") or ("domicile" if i == 0 and first_is_domicile else "site")
        proof = decisions.PROVED_ADDRESS if i in proved else item["proof"]
        result.append(new_row(EnterpriseAddress, kind=kind, text=item["text"], proof=proof, added_at=now))
    return result




def _approve(session: Session, standard: MatterStandard, app: Application, actor: Actor | None, now: datetime,
             reason: Words, *, uscc: str | None = None) -> list[Base]:
    """Carry out an approved matter on the enterprise register; the register's followers
    (``handoff.RegisterFollower``: licences, seals) keep their records in step.

    An establishment returns the rows it creates (the enterprise and its addresses, then what the
    followers bring: permits, licence and seal set), parents first, for the caller to insert with
    ``insert_new``."""
    body = app.body
    today = local_date(now)
    proved = decisions.proved_addresses(app.findings)
    app.decided_at = now
    _transition(app, Step.EVALUATE if actor is None else Step.APPROVE, Status.APPROVED, actor, now, reason)
    if app.matter == "establish":
        uscc = uscc or _next_uscc(session, app.zone_id, app.entity_type)
        founded = new_row(
            Enterprise, uscc=uscc, zone_id=app.zone_id, name=app.name, entity_type=app.entity_type,
            industry_code=body["industry_code"], registered_capital=body["registered_capital"],
            established_on=today, cancelled_on=None, status=entry_status(EnterpriseStep.ESTABLISH), scope=body["scope"],
            legal_representative=body["legal_representative"],
            shareholders=capital.stored_shareholders(body.get("shareholders") or [], app.entity_type, today),
            owner_id=app.applicant_id, source="registered",
            created_at=now, updated_at=now)
        founded.addresses = _addresses(body, now, first_is_domicile=True, proved=proved)
        founded.address_commitment = any(a.proof == "commitment" for a in founded.addresses)
        app.enterprise_uscc = uscc
        establishment = handoff.Establishment(app.zone_id, app.applicant_id, tuple(body.get("commitments") or ()),
                                              application_id=PendingKey(app))
        return [founded, *founded.addresses,
                *(row for follower in handoff.followers()
                  for row in follower.established(session, standard, founded, establishment, now))]
    enterprise = session.get(Enterprise, app.enterprise_uscc) if app.enterprise_uscc else None
    if enterprise is None:
        raise not_in_existence(app.enterprise_uscc or "")
    require_in_existence(enterprise)
    if app.matter == "cancel":
        ended = register.end(enterprise, EnterpriseStep.CANCEL, now)
        for follower in handoff.followers():
            follower.ended(session, enterprise, now, ended, "注销 / cancelled")
    elif app.matter == "filing":
        enterprise.addresses.extend(_addresses(body, now, first_is_domicile=False, proved=proved))
    else:
        for key in ("name", "industry_code", "registered_capital", "scope", "legal_representative",
                    "shareholders"):
            if body.get(key) not in (None, []):
                setattr(enterprise, key, capital.stored_shareholders(body[key], enterprise.entity_type,
                                                                     enterprise.established_on)
                        if key == "shareholders" else body[key])
        if body.get("addresses"):
            enterprise.addresses = _addresses(body, now, first_is_domicile=True, proved=proved)
    enterprise.updated_at = now
    session.flush()
    action = {"cancel": "cancelled", "filing": "filed"}.get(app.matter, "changed")
    audit.record(session, [audit.event(app.zone_id, actor, now, f"enterprise.{action}", f"enterprise:{enterprise.uscc}",
                                       application=app.id)])
    for follower in handoff.followers():
        follower.changed(session, standard, enterprise, now, actor)
    return []


def decide(db: Database, standard: MatterStandard, actor: Actor, app_id: int, decision: str, reason: str,
           now: datetime) -> None:
    """An officer approves, rejects (with a reason) or accepts with missing materials (容缺受理)."""
    if decision not in DECISIONS:
        raise DomainError("decision.unknown", "decision", f"决定须为 {' | '.join(DECISIONS)}",
                          f"decision must be one of {' | '.join(DECISIONS)}")
    reason = (reason or "").strip()
    with db.write() as session:
        app = session.get(Application, app_id, with_for_update=True)  # concurrent changes take turns
        if app is None or not may_work_zone(actor, app.zone_id):
            raise application_not_found(app_id)
        since = len(app.transitions)
        if not allowed(Step(decision), app.status):
            raise Conflict("decision.state", "decision", f"申请当前状态为 {app.status}，不能作此决定",
                           f"The application is {app.status}; this decision is not possible")
        if decision == Step.REJECT:
            if not reason:
                raise DomainError("decision.reason_required", "reason", "驳回必须说明理由",
                                  "A rejection needs a reason")
            app.decided_at = now
            _transition(app, Step.REJECT, Status.REJECTED, actor, now, Words.typed(reason))
        elif decision == Step.APPROVE:
            if app.missing_materials:
                raise Conflict("decision.materials_missing", "decision", "材料尚未补齐，不能批准",
                               "Materials are still missing; the application cannot be approved")
            if app.matter in ("establish", "change") and app.name and _name_in_use(session, app):
                raise Conflict("name.taken", "name", "本区已有同名存续企业", "An active enterprise of the zone has "
                               "this name")
            uploaded = [u.material for u in app.uploads]
            refusals = decisions.approval_refusals(app.findings, reason, uploaded, standard)
            if refusals:
                raise DomainError.of(refusals)
            overridden = [str(f["rule"]) for f in decisions.open_findings(app.findings)]
            app.findings = decisions.overridden(app.findings, uploaded)
            created = _approve(session, standard, app, actor, now,
                               Words.typed(reason) if reason else Words("审批通过", "approved by an officer"))
            insert_new(session, created)
            _record(session, app, since, created, overridden)
            return
        else:
            _accept_with_missing(standard, app, actor, now, reason)
        _record(session, app, since)


def check_approval(db: Database, standard: MatterStandard, actor: Actor, app_id: int, reason: str) -> bool:
    """Refuse, as ``decide`` would, an approval that lacks a proof or a reason for the findings it
    overrides; changes nothing. True when the approval would override open findings (the page
    confirms such an approval on a step naming each before deciding)."""
    with db.read() as session:
        app = session.get(Application, app_id)
        if app is None or not may_work_zone(actor, app.zone_id):
            raise application_not_found(app_id)
        refusals = decisions.approval_refusals(app.findings, reason, [u.material for u in app.uploads], standard)
        overrides = bool(decisions.open_findings(app.findings))
    if refusals:
        raise DomainError.of(refusals)
    return overrides


def _name_in_use(session: Session, app: Application) -> bool:
    query = select(Enterprise.uscc).where(Enterprise.zone_id == app.zone_id, Enterprise.name == app.name,
                                          Enterprise.status == EnterpriseStatus.ACTIVE)
    return any(uscc != app.enterprise_uscc for uscc in session.scalars(query))


def _accept_with_missing(standard: MatterStandard, app: Application, actor: Actor, now: datetime,
                         reason: str) -> None:
    if not app.missing_materials:
        raise Conflict("decision.nothing_missing", "decision", "没有缺少的材料，无需容缺受理",
                       "No material is missing; nothing to defer")
    days = []
    for material_id in app.missing_materials:
        material = standard.materials[material_id]
        if material.deferrable_days is None:
            raise Conflict("decision.not_deferrable", "decision", f"“{material.name.zh}”不可容缺，须先补齐",
                           f"{material.name.en} cannot be deferred; it must be supplied first")
        days.append(material.deferrable_days)
    app.materials_due_on = local_date(now) + timedelta(days=min(days))
    _transition(app, Step.ACCEPT_WITH_MISSING, Status.AWAITING_MATERIALS, actor, now,
                Words.typed(reason) if reason else
                Words(f"容缺受理，{app.materials_due_on} 前补齐", f"accepted, materials due {app.materials_due_on}"))


def supply_material(db: Database, standard: MatterStandard, actor: Actor, app_id: int, material_id: str,
                    filename: str, content: bytes, now: datetime, data_dir: Path, max_bytes: int) -> None:
    """The applicant uploads a material (PDF, JPEG or PNG, checked by content), stored with its hash."""
    filename = clean_filename(filename)
    content_type = check_upload(filename, content, max_bytes)
    with db.write() as session:
        app = session.get(Application, app_id, with_for_update=True)  # concurrent changes take turns
        if app is None or (app.applicant_id != actor.id and not may_work_zone(actor, app.zone_id)):
            raise application_not_found(app_id)
        courier = handoff.courier_for(record_of(app))
        if courier is not None:  # the application is decided elsewhere; the material travels there
            courier.supply(session, record_of(app), actor, material_id, filename[:255], content_type, content, now)
            app.uploads.append(MaterialUpload(material=material_id, filename=filename[:255],
                                              content_type=content_type, size=len(content),
                                              sha256=hashlib.sha256(content).hexdigest(), uploaded_at=now))
            return
        if not allowed(Step.SUPPLY, app.status):
            raise Conflict("materials.state", "material", f"申请当前状态为 {app.status}，不能补交材料",
                           f"The application is {app.status}; materials cannot be supplied")
        required = rules.required_materials(ApplicationIn.model_validate(app.body), standard, app.entity_type)
        if material_id not in required:
            raise DomainError("materials.not_required", "material", f"本事项不需要材料 {material_id}",
                              f"{material_id} is not a material of this matter (one of: {', '.join(required)})")
        digest = store_upload(data_dir, content)
        since = len(app.transitions)
        app.uploads.append(MaterialUpload(material=material_id, filename=filename, content_type=content_type,
                                          size=len(content), sha256=digest, uploaded_at=now))
        app.body = {**app.body, "materials": sorted(set(app.body.get("materials", [])) | {material_id})}
        app.missing_materials = [m for m in app.missing_materials if m != material_id]
        app.findings = [f for f in app.findings if not (f["rule"] == "materials.missing"
                                                        and standard.materials[material_id].name.zh in f["message"])]
        if allowed(Step.COMPLETE_MATERIALS, app.status) and not app.missing_materials:
            app.materials_due_on = None
            _transition(app, Step.COMPLETE_MATERIALS, Status.UNDER_REVIEW, actor, now,
                        Words("材料已补齐", "materials supplied"))
        audit.record(session, [audit.event(app.zone_id, actor, now, "application.material_supplied",
                                           f"application:{app.id}", material=material_id, sha256=digest)])
        _record(session, app, since)


def withdraw(db: Database, actor: Actor, app_id: int, now: datetime, reason: str = "") -> None:
    """The applicant withdraws a pending application; one decided elsewhere (forwarded to a partner
    zone) is withdrawn there, by a message that zone confirms or answers is too late."""
    with db.write() as session:
        app = session.get(Application, app_id, with_for_update=True)  # concurrent changes take turns
        if app is None or app.applicant_id != actor.id:
            raise application_not_found(app_id)
        elsewhere = handoff.withdrawal_for(record_of(app))
        if elsewhere is not None:
            elsewhere.withdraw(session, record_of(app), actor, now)
            return
        if not allowed(Step.WITHDRAW, app.status):
            raise not_withdrawable(app.status)
        since = len(app.transitions)
        app.decided_at = now
        _transition(app, Step.WITHDRAW, Status.WITHDRAWN, actor, now,
                    Words.typed(reason) if reason else Words("申请人撤回", "withdrawn by the applicant"))
        _record(session, app, since)


def lapse_overdue(db: Database, now: datetime) -> list[int]:
    """Deferred materials not supplied by their deadline lapse the application (a scheduled job)."""
    today = local_date(now)
    with db.write() as session:
        overdue = session.scalars(select(Application).where(Application.status.in_(TRANSITIONS[Step.LAPSE].sources),
                                                            Application.materials_due_on < today)).all()
        for app in overdue:
            since = len(app.transitions)
            app.decided_at = now
            _transition(app, Step.LAPSE, Status.LAPSED, None, now,
                        Words(f"容缺材料逾期未补齐（期限 {app.materials_due_on}）",
                              f"deferred materials not supplied by {app.materials_due_on}"))
            _record(session, app, since)
        return [app.id for app in overdue]


def warm_rules(db: Database, standard: MatterStandard) -> None:
    """At start-up (``yima.web.app.WARM_UPS``): the rules once on a sample (``rules.warm``), so that
    a process's first applicant does not wait for the tables they read. Nothing is stored."""
    rules.warm(standard, local_date(utcnow()))


def lapse_overdue_job(db: Database, now: datetime) -> list[str]:
    lapsed = lapse_overdue(db, now)
    return [f"lapsed {len(lapsed)} application(s) with overdue deferred materials"
            + (f": {', '.join(map(str, lapsed))}" if lapsed else "")]
