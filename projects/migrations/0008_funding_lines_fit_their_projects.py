"""The database holds funding lines to the rule the forms check (FundingSettlement.check_can_fund):
a line's settlement covers at least one of its project's financial years and is paid to the
project's lead or a partner authority. New and changed lines are checked when their statement
ends, in one query per statement; changes to a project's dates or authorities, or to a
settlement's years or recipient, when the transaction commits, so a form may change both sides."""

from django.db import migrations

# A date's financial year starts in April: the year of the date three months earlier.
MISFITS = """
    SELECT line.id
    FROM projects_projectfunding line
    JOIN projects_project project ON project.id = line.project_id
    JOIN projects_fundingsettlement settlement ON settlement.id = line.settlement_id
    WHERE {lines} AND NOT (
        settlement.last_year >= extract(year FROM project.start_date - interval '3 months')
        AND (
            project.end_date IS NULL
            OR settlement.first_year <= extract(year FROM project.end_date - interval '3 months')
        )
        AND (
            settlement.recipient_id = project.lead_borough_id
            OR EXISTS (
                SELECT FROM projects_project_partner_boroughs partner
                WHERE partner.project_id = project.id
                    AND partner.borough_id = settlement.recipient_id
            )
        )
    )
    LIMIT 1
"""


def raise_if_found(lines):
    return f"""
    misfit := ({MISFITS.format(lines=lines)});
    IF misfit IS NOT NULL THEN
        RAISE EXCEPTION 'funding line % is outside its project''s years or authorities', misfit
            USING ERRCODE = 'check_violation', CONSTRAINT = 'funding_line_fits_project';
    END IF;
    RETURN NULL;
"""


def function(name, body):
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger AS $$ DECLARE misfit bigint; BEGIN {body} "
        "END $$ LANGUAGE plpgsql;"
    )


LINES_WRITTEN = "line.id IN (SELECT id FROM written)"
WATCHED = [
    # (trigger and function name, table, event, the lines to check, when)
    (
        "projects_project_dates_fit_funding",
        "projects_project",
        "UPDATE",
        "line.project_id = NEW.id",
        "OLD.start_date IS DISTINCT FROM NEW.start_date OR OLD.end_date IS DISTINCT FROM NEW.end_date "
        "OR OLD.lead_borough_id IS DISTINCT FROM NEW.lead_borough_id",
    ),
    (
        "projects_settlement_terms_fit_funding",
        "projects_fundingsettlement",
        "UPDATE",
        "line.settlement_id = NEW.id",
        "OLD.first_year IS DISTINCT FROM NEW.first_year OR OLD.last_year IS DISTINCT FROM "
        "NEW.last_year OR OLD.recipient_id IS DISTINCT FROM NEW.recipient_id",
    ),
    (
        "projects_partner_left_fits_funding",
        "projects_project_partner_boroughs",
        "DELETE",
        "line.project_id = OLD.project_id",
        None,
    ),
]

CREATE = [
    function("projects_funding_lines_fit", raise_if_found(LINES_WRITTEN)),
    *(
        f"CREATE TRIGGER projects_funding_lines_fit_{event.lower()} AFTER {event} "
        "ON projects_projectfunding REFERENCING NEW TABLE AS written "
        "FOR EACH STATEMENT EXECUTE FUNCTION projects_funding_lines_fit();"
        for event in ("INSERT", "UPDATE")
    ),
]
DROP = [
    *(
        f"DROP TRIGGER IF EXISTS projects_funding_lines_fit_{event.lower()} "
        "ON projects_projectfunding;"
        for event in ("INSERT", "UPDATE")
    ),
    "DROP FUNCTION IF EXISTS projects_funding_lines_fit();",
]
for name, table, event, lines, when in WATCHED:
    CREATE += [
        function(name, raise_if_found(lines)),
        f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        + (f"WHEN ({when}) " if when else "")
        + f"EXECUTE FUNCTION {name}();",
    ]
    DROP += [f"DROP TRIGGER IF EXISTS {name} ON {table};", f"DROP FUNCTION IF EXISTS {name}();"]


class Migration(migrations.Migration):
    dependencies = [("projects", "0007_links_listed_with_their_records")]

    operations = [migrations.RunSQL("\n".join(CREATE), "\n".join(DROP))]
