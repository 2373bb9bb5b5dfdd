from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0004_thread_premoderation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('moderator', fields.ForeignKeyField('forum.Moderator', source_field='moderator_id', db_constraint=True, to_field='id', related_name='api_tokens', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(default='', max_length=80)),
                ('prefix', fields.CharField(db_index=True, max_length=16)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'forum', 'pk_attr': 'id', 'table_description': 'A personal API token of a moderator, kept as a SHA-256 digest, never in the clear.'},
            bases=['Model'],
        ),
    ]
