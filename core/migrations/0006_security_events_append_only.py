from django.db import migrations

# The security log is append-only (core.models.SecurityEvent): on PostgreSQL, production's
# database, a trigger refuses every UPDATE and DELETE, whoever sends it. TRUNCATE (tests
# resetting the database) is not a row change and stays possible for the table's owner.
CREATE = """
CREATE FUNCTION core_security_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_securityevent is append-only: %% refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_security_event_append_only BEFORE UPDATE OR DELETE ON core_securityevent
    FOR EACH ROW EXECUTE FUNCTION core_security_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS core_security_event_append_only ON core_securityevent;
DROP FUNCTION IF EXISTS core_security_event_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_accounts_tokens_security_events")]

    operations = [migrations.RunPython(create, drop)]
