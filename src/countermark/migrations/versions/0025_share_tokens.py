"""sharing: partner tokens kept as hashes, pages' needs (issue 19)

Revision ID: 0025
Revises: 0024

What we issued a partner is already an API token kept as a hash: the partner row now points at it
(`issued_token_id`, so its prefix and dates can be shown). What a partner issued us (`token`, plain
text until now) is sealed with the instance's Fernet key (`share.token_vault`): `token_sealed` and a
displayable `token_hint`; the plain-text column is dropped. The key is the one of the store's keys
directory: the `share_keys_dir` Alembic attribute when the caller gives it, else `keys/` beside an
SQLite file, else the settings' keys directory. Downgrading opens the secrets back into `token`.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

FK_NAME = "fk_share_partners_issued_token_id_api_tokens"


def _vault(connection: sa.Connection):  # type: ignore[no-untyped-def]
    from countermark.core.settings import Settings
    from countermark.share.token_vault import TokenVault, sqlite_keys_dir

    given = context.config.attributes.get("share_keys_dir")
    directory = Path(given) if given else sqlite_keys_dir(connection.engine) or Settings().keys_dir
    return TokenVault.in_directory(directory)


def upgrade() -> None:
    with op.batch_alter_table("share_partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("token_hint", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("issued_token_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FK_NAME, "api_tokens", ["issued_token_id"], ["id"], ondelete="SET NULL")

    connection = op.get_bind()
    partners = sa.table(
        "share_partners",
        sa.column("id", sa.Integer),
        sa.column("org_id", sa.Integer),
        sa.column("token", sa.String),
        sa.column("token_sealed", sa.Text),
        sa.column("token_hint", sa.String),
        sa.column("issued_token_id", sa.Integer),
    )
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer),
        sa.column("user_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("revoked_at", sa.DateTime),
    )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("org_id", sa.Integer))
    rows = list(connection.execute(sa.select(partners.c.id, partners.c.org_id, partners.c.token)))
    vault = None
    if any(token for _, _, token in rows):
        from countermark.share.token_vault import hint_of

        vault = _vault(connection)
    for partner_id, org_id, token in rows:
        issued = connection.scalar(
            sa.select(tokens.c.id)
            .join(users, users.c.id == tokens.c.user_id)
            .where(
                users.c.org_id == org_id, tokens.c.name == "partner instance", tokens.c.revoked_at.is_(None)
            )
            .order_by(tokens.c.id.desc())
            .limit(1)
        )
        values: dict[str, object] = {"issued_token_id": issued}
        if token and vault is not None:
            values |= {"token_sealed": vault.seal(token), "token_hint": hint_of(token)}
        connection.execute(sa.update(partners).where(partners.c.id == partner_id).values(**values))

    with op.batch_alter_table("share_partners", schema=None) as batch_op:
        batch_op.drop_column("token")


def downgrade() -> None:
    with op.batch_alter_table("share_partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token", sa.String(length=200), nullable=True))
    connection = op.get_bind()
    partners = sa.table(
        "share_partners",
        sa.column("id", sa.Integer),
        sa.column("token", sa.String),
        sa.column("token_sealed", sa.Text),
    )
    rows = list(connection.execute(sa.select(partners.c.id, partners.c.token_sealed)))
    if any(sealed for _, sealed in rows):
        vault = _vault(connection)
        for partner_id, sealed in rows:
            if sealed:
                connection.execute(
                    sa.update(partners).where(partners.c.id == partner_id).values(token=vault.open(sealed))
                )
    with op.batch_alter_table("share_partners", schema=None) as batch_op:
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
        batch_op.drop_column("issued_token_id")
        batch_op.drop_column("token_hint")
        batch_op.drop_column("token_sealed")
