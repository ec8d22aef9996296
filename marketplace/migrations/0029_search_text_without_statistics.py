"""No planner statistics on the search text (PostgreSQL only; docs/decisions/0036). pg_trgm's
selectivity estimate for word similarity (`search_text %> 'q'`) runs the operator over the
column's statistics sample of long texts: 11-25 ms of planning per search query for under 1 ms of
execution, twice per search request. Without statistics the planner takes its default estimate
and still uses the trigram index. Setting the target to 0 stops ANALYZE collecting them; the
same-type ALTER drops the ones already collected (no rewrite, the indexes are kept)."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE marketplace_searchdocument ALTER COLUMN search_text SET STATISTICS 0, "
    "ALTER COLUMN search_text TYPE text"
]
BACKWARD = ["ALTER TABLE marketplace_searchdocument ALTER COLUMN search_text SET STATISTICS -1"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0028_order_event_kinds_merged")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
