from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0003_comment_sources')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Thread',
            name='premoderated',
            field=fields.BooleanField(default=False),
        ),
    ]
