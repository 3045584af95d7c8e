"""The database holds projects to the rule their forms check (ProjectForm.clean): a project that
answers a recommendation with themes shares at least one of them, or says why not
(`off_theme_reason`). Checked when the transaction commits, for the projects a change touches:
a recommendation linked, a project's theme removed, a reason blanked, a recommendation's themes
changed; so a form may change themes and recommendations together."""

from django.db import migrations

CHECK = """
CREATE FUNCTION projects_recommendations_on_theme() RETURNS trigger AS $$
DECLARE touched bigint[]; misfit bigint;
BEGIN
    IF TG_TABLE_NAME = 'boroughs_recommendation_themes' THEN
        IF TG_OP = 'DELETE' THEN
            touched := ARRAY(SELECT project_id FROM projects_project_recommendations
                             WHERE recommendation_id = OLD.recommendation_id);
        ELSE
            touched := ARRAY(SELECT project_id FROM projects_project_recommendations
                             WHERE recommendation_id = NEW.recommendation_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'projects_project' THEN
        touched := ARRAY[NEW.id];
    ELSIF TG_OP = 'DELETE' THEN
        touched := ARRAY[OLD.project_id];
    ELSE
        touched := ARRAY[NEW.project_id];
    END IF;
    misfit := (
        SELECT link.project_id
        FROM projects_project_recommendations link
        JOIN projects_project project ON project.id = link.project_id
        WHERE link.project_id = ANY (touched)
            AND project.off_theme_reason = ''
            AND EXISTS (
                SELECT FROM boroughs_recommendation_themes its
                WHERE its.recommendation_id = link.recommendation_id
            )
            AND NOT EXISTS (
                SELECT FROM boroughs_recommendation_themes its
                JOIN projects_project_themes theirs ON theirs.theme_id = its.theme_id
                WHERE its.recommendation_id = link.recommendation_id
                    AND theirs.project_id = link.project_id
            )
        LIMIT 1
    );
    IF misfit IS NOT NULL THEN
        RAISE EXCEPTION 'project % answers a recommendation that shares none of its themes, '
            'without saying why', misfit
            USING ERRCODE = 'check_violation', CONSTRAINT = 'project_recommendations_on_theme';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

WATCHED = [
    # (trigger name, table, events, when)
    (
        "projects_recommendation_linked_on_theme",
        "projects_project_recommendations",
        "INSERT OR UPDATE",
        None,
    ),
    ("projects_theme_removed_on_theme", "projects_project_themes", "DELETE OR UPDATE", None),
    (
        "projects_reason_blanked_on_theme",
        "projects_project",
        "UPDATE",
        "OLD.off_theme_reason IS DISTINCT FROM NEW.off_theme_reason",
    ),
    (
        "projects_recommendation_themes_on_theme",
        "boroughs_recommendation_themes",
        "INSERT OR UPDATE OR DELETE",
        None,
    ),
]

CREATE = [CHECK] + [
    f"CREATE CONSTRAINT TRIGGER {name} AFTER {events} ON {table} "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
    + (f"WHEN ({when}) " if when else "")
    + "EXECUTE FUNCTION projects_recommendations_on_theme();"
    for name, table, events, when in WATCHED
]
DROP = [f"DROP TRIGGER IF EXISTS {name} ON {table};" for name, table, _, _ in WATCHED] + [
    "DROP FUNCTION IF EXISTS projects_recommendations_on_theme();"
]


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0015_delivery_status_fits_dates"),
        ("boroughs", "0006_links_listed_with_their_records"),
    ]

    operations = [migrations.RunSQL("\n".join(CREATE), "\n".join(DROP))]
