"""Enrolment.municipality: copied from the participant, so a municipality's interventions are read from an
index instead of a join over every enrolled child."""

import django.db.models.deletion
from django.db import migrations, models

FILL = (
    "UPDATE outcomes_enrolment SET municipality_id = (SELECT p.municipality_id FROM outcomes_participant p "
    "WHERE p.id = outcomes_enrolment.participant_id) WHERE municipality_id IS NULL"
)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_region_and_service_provider_kinds"),
        ("outcomes", "0005_insight_summary"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="municipality",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="enrolment",
            name="municipality",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.AddIndex(
            model_name="enrolment",
            index=models.Index(fields=["municipality", "intervention"], name="outcomes_enrol_muni_interv"),
        ),
    ]
