"""A set of short text keys in one column: a text array on PostgreSQL, where a GIN index finds
the rows holding any of several keys, and a JSON list elsewhere."""

import json

from django.db import models
from django.db.models.lookups import FieldGetDbPrepValueMixin, Lookup


class KeySetField(models.Field):
    description = "A set of short text keys"

    def db_type(self, connection):
        return "text[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        keys = sorted(set(value))
        return keys if connection.vendor == "postgresql" else json.dumps(keys)

    def from_db_value(self, value, expression, connection):
        return json.loads(value) if isinstance(value, str) else value

    def to_python(self, value):
        return json.loads(value) if isinstance(value, str) else value

    @staticmethod
    def each_key(connection, column):
        """SQL for a table of the keys in `column` of the table before it in FROM, as
        `keys.value`."""
        if connection.vendor == "postgresql":
            return f"unnest({column}) AS keys (value)"
        return f"json_each({column}) AS keys"


@KeySetField.register_lookup
class Overlaps(FieldGetDbPrepValueMixin, Lookup):
    """`keys__overlaps=[...]`: the row holds at least one of the given keys."""

    lookup_name = "overlaps"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) "
            f"WHERE value IN (SELECT value FROM json_each({rhs})))",
            [*lhs_params, *rhs_params],
        )

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} && {rhs}::text[]", [*lhs_params, *rhs_params]
