"""The database holds a project's delivery status to the rule its forms check
(Project.check_delivery_status) whenever the status or the dates are written: nothing planned or
active has ended, nothing active or completed is yet to start, and a completed project has
ended. "Today" is the portal's (settings.TIME_ZONE). A status that goes stale as time passes,
with nothing written, is what `manage.py check_catalogue` reports."""

from django.conf import settings
from django.db import migrations

CREATE = f"""
CREATE FUNCTION projects_status_fits_dates() RETURNS trigger AS $$
DECLARE today date := (now() AT TIME ZONE '{settings.TIME_ZONE}')::date;
BEGIN
    IF NEW.start_date IS NULL OR NEW.end_date < NEW.start_date THEN
        RETURN NEW;  -- dates that cannot be right are refused by their own check
    END IF;
    IF (NEW.end_date < today AND NEW.delivery_status IN ('planned', 'active'))
        OR (NEW.start_date > today AND NEW.delivery_status IN ('active', 'completed'))
        OR (NEW.delivery_status = 'completed' AND (NEW.end_date IS NULL OR NEW.end_date > today))
    THEN
        RAISE EXCEPTION 'project %: a % project cannot start on % and end on %', NEW.id,
            NEW.delivery_status, NEW.start_date, coalesce(NEW.end_date::text, 'no date')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'project_status_fits_dates';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER projects_status_fits_dates_insert BEFORE INSERT ON projects_project
    FOR EACH ROW EXECUTE FUNCTION projects_status_fits_dates();
CREATE TRIGGER projects_status_fits_dates_update BEFORE UPDATE ON projects_project
    FOR EACH ROW WHEN (
        OLD.delivery_status IS DISTINCT FROM NEW.delivery_status
        OR OLD.start_date IS DISTINCT FROM NEW.start_date
        OR OLD.end_date IS DISTINCT FROM NEW.end_date
    ) EXECUTE FUNCTION projects_status_fits_dates();
"""

DROP = """
DROP TRIGGER IF EXISTS projects_status_fits_dates_insert ON projects_project;
DROP TRIGGER IF EXISTS projects_status_fits_dates_update ON projects_project;
DROP FUNCTION IF EXISTS projects_status_fits_dates();
"""


class Migration(migrations.Migration):
    dependencies = [("projects", "0014_reviewers_changes_to_published_projects")]

    operations = [migrations.RunSQL(CREATE, DROP)]
