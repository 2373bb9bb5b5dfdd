"""Migration operations Tortoise does not provide; not a migration itself.

The loader skips modules whose name starts with `_`, so migrations can import from here.
"""

from __future__ import annotations

from typing import Any

from tortoise.fields.base import DB_DEFAULT_NOT_SET
from tortoise.migrations import operations as ops


class AddFieldFillingRows(ops.AddField):
    """AddField for a NOT NULL column with a Python default, on a table that may have rows.

    Plain AddField writes `ADD COLUMN ... NOT NULL` without a DEFAULT when the field has
    only a Python default: SQLite and PostgreSQL accept that on an empty table and refuse
    it on a table with rows, so a database in use could not be upgraded. This adds the
    column with the field's default as its DEFAULT, so the rows already there get the
    value the ORM would have written, then drops that DEFAULT on PostgreSQL, where the
    column ends exactly as plain AddField leaves it. SQLite cannot drop a column's DEFAULT
    without rebuilding the table, so there it stays; the ORM always writes the column
    itself, so it changes nothing. The migration state is plain AddField's.
    """

    async def database_forward(
        self,
        app_label: str,
        old_state: Any,
        new_state: Any,
        state_editor: Any = None,
    ) -> None:
        if not state_editor:
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        field = model._meta.fields_map[self.name]
        field.db_default = field.default() if callable(field.default) else field.default
        try:
            await state_editor.add_field(model, self.name)
        finally:
            field.db_default = DB_DEFAULT_NOT_SET
        if state_editor.DIALECT == "postgres":
            table = state_editor._qualify_table_name(model._meta.db_table, model._meta.schema)
            column = model._meta.fields_db_projection[self.name]
            await state_editor._run_sql(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
