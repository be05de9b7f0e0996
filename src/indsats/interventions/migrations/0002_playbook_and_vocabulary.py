"""The agency's starting vocabulary of problem areas and the playbook's typical deliverables per phase."""

from django.db import migrations

from indsats.interventions.playbook import seed_playbook


def seed(apps, schema_editor):
    seed_playbook(apps.get_model("interventions", "ProblemArea"), apps.get_model("interventions", "DeliverableTemplate"))


class Migration(migrations.Migration):
    dependencies = [("interventions", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
