from tortoise import migrations
from tortoise import fields
from forum.migrations._operations import AddFieldFillingRows

class Migration(migrations.Migration):
    dependencies = [('forum', '0003_comment_sources')]

    initial = False

    operations = [
        AddFieldFillingRows(
            model_name='Thread',
            name='premoderated',
            field=fields.BooleanField(default=False),
        ),
    ]
