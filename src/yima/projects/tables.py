"""The investment office's records: projects, their stages and funds, key enterprises, services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yima.db.base import Base


class Project(Base):
    """An investment project (招商项目); the stage dates are those of its latest stage records."""

    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("zone_id", "code", name="uq_projects_zone_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    investor: Mapped[str] = mapped_column(String(200))
    investor_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    industry_code: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    registered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    landed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    started_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    enterprise_uscc: Mapped[str | None] = mapped_column(ForeignKey("enterprises.uscc"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    stages: Mapped[list[ProjectStage]] = relationship(back_populates="project", order_by="ProjectStage.id",
                                                      cascade="all, delete-orphan")
    funds: Mapped[list[ProjectFund]] = relationship(back_populates="project", order_by="ProjectFund.received_on",
                                                    cascade="all, delete-orphan")


class ProjectCount(Base):
    """How many projects a zone has, kept by the database's triggers with every insert, deletion or
    move of a project (revision 0042): what the list's pager shows without counting the projects."""

    __tablename__ = "project_counts"

    zone_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    projects: Mapped[int] = mapped_column(Integer)


class ProjectStage(Base):
    """Who set a stage, to which day, on what evidence (a note and an optional document by hash)."""

    __tablename__ = "project_stages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    reached_on: Mapped[date] = mapped_column(Date)
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    document_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    document_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    document_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    document_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    project: Mapped[Project] = relationship(back_populates="stages")


# The list's order (``service.list_projects``): any page of a zone's projects read from the index.
# SQLite sorts NULL last in a descending order already (its migration leaves the NULLS clause out).
Index("ix_projects_list", Project.zone_id, Project.signed_on.desc().nulls_last(), Project.id.desc())
# The figures (``service.zone_project_figures``): a zone's projects signed, landed, started or completed
# in a period read from an index, not from a scan of every project; the signed, landed and completed
# ones from the index alone (every column their figures read is in it; on PostgreSQL the tags, JSON
# with no order of their own, ride along as an included column).
Index("ix_projects_figures", Project.zone_id, Project.signed_on, Project.amount, Project.industry_code,
      Project.landed_on, Project.started_on, Project.completed_on, Project.investor,
      postgresql_include=["investor_tags"])
Index("ix_projects_landed", Project.zone_id, Project.landed_on, Project.amount)
# The investors by tag: the projects whose investors carry tags (about one in ten), by day signed.
Index("ix_projects_tagged", Project.zone_id, Project.signed_on, Project.investor,
      sqlite_where=text("investor_tags <> '[]'"), postgresql_where=text("(investor_tags)::text <> '[]'::text"),
      postgresql_include=["investor_tags"])
# The projects an enterprise carries: what the foreign key's check reads when an enterprise is
# deleted (revision 0040; without it, every deletion read every project).
Index("ix_projects_enterprise_uscc", Project.enterprise_uscc)
Index("ix_projects_started", Project.zone_id, Project.started_on)
Index("ix_projects_completed", Project.zone_id, Project.completed_on, Project.started_on)


class ProjectFund(Base):
    """Funds in place (到位资金): one dated receipt and where it came from."""

    __tablename__ = "project_funds"
    __table_args__ = (UniqueConstraint("project_id", "received_on", "amount", name="uq_project_funds_receipt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    source: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A receipt recorded in error is reversed, never deleted: it stays, marked, and counts no more.
    reversed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reversed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reversal_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    project: Mapped[Project] = relationship(back_populates="funds")


# The figures' funds in place: the receipts of a period, each then matched to its project's zone.
Index("ix_project_funds_received_on", ProjectFund.received_on)


class KeyEnterprise(Base):
    """A key enterprise (重点企业) of a zone, its high-tech certificate and its service specialist."""

    __tablename__ = "key_enterprises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), unique=True)
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    cert_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cert_issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    cert_expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    services: Mapped[list[EnterpriseService]] = relationship(
        back_populates="key_enterprise", order_by="EnterpriseService.served_on", cascade="all, delete-orphan")
    certificates: Mapped[list[KeyEnterpriseCertificate]] = relationship(
        back_populates="key_enterprise", order_by="KeyEnterpriseCertificate.id", cascade="all, delete-orphan")


class KeyEnterpriseCertificate(Base):
    """Every high-tech certificate a key enterprise held, with its validity period: a renewal adds
    one and leaves the earlier in place, so a figure of a past period still counts the certificate
    valid then. ``ended_on`` cuts the validity short (the office removed it); a certificate entered
    in error is corrected in place, with the old values in the audit log."""

    __tablename__ = "key_enterprise_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_enterprise_id: Mapped[int] = mapped_column(ForeignKey("key_enterprises.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    key_enterprise: Mapped[KeyEnterprise] = relationship(back_populates="certificates")


class EnterpriseService(Base):
    """One entry of a specialist's service log: a visit (走访) or a request (诉求) and its resolution."""

    __tablename__ = "enterprise_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_enterprise_id: Mapped[int] = mapped_column(ForeignKey("key_enterprises.id"), index=True)
    served_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    request: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    resolved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    key_enterprise: Mapped[KeyEnterprise] = relationship(back_populates="services")
