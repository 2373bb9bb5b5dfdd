from tortoise import migrations
import functools
from json import dumps, loads
from tortoise import fields
from forum.migrations._operations import AddFieldFillingRows

class Migration(migrations.Migration):
    dependencies = [('forum', '0002_claim_flags_and_reports')]

    initial = False

    operations = [
        AddFieldFillingRows(
            model_name='Comment',
            name='sources',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
