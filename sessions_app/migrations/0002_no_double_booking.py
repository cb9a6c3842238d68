"""No double booking, enforced by PostgreSQL: two active time claims of one
person may not overlap (btree_gist lets ``=`` on the person join ``&&`` on
the time range in one GiST exclusion constraint).

The embedded SQLite default of ``make run`` has no exclusion constraints; there
the booking service's per-person lock and overlap check are the guard.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        PostgresOnlySQL(
            sql="""
                ALTER TABLE sessions_app_timeclaim
                ADD CONSTRAINT claim_no_overlap_per_person
                EXCLUDE USING gist (membership_id WITH =, tstzrange(start, "end", '[)') WITH &&)
                WHERE (active);
            """,
            reverse_sql="ALTER TABLE sessions_app_timeclaim DROP CONSTRAINT claim_no_overlap_per_person;",
        ),
    ]
