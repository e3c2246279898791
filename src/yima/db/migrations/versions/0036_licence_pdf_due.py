"""federation: an index of the cases whose licence PDF is still to be made (issuing side: noted in
the decision's transaction, made after its commit) or still to arrive (accepting side: the licence
came with its decision, its PDF follows in a message of its own), so that the delivery loop finds
them without reading every case

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05 13:20:00

The same index is declared on the table in ``yima.federation.tables``. No row changes: a case of
an earlier release holds its licence PDF and QR together, or neither.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None

WHERE = "licence_qr IS NOT NULL AND licence_pdf IS NULL"


def upgrade() -> None:
    op.create_index('ix_federation_cases_pdf_due', 'federation_cases', ['application_id'], unique=False,
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    op.drop_index('ix_federation_cases_pdf_due', table_name='federation_cases')
