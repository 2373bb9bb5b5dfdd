from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0002_claim_flags_and_reports')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Comment',
            name='sources',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
