from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from forum.models import CommentStatus, Role, ThreadStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Moderator',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('password_hash', fields.CharField(max_length=255)),
                ('role', fields.CharEnumField(default=Role.MODERATOR, description='MODERATOR: moderator\nADMIN: admin', enum_type=Role, max_length=16)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'moderator', 'app': 'forum', 'pk_attr': 'id', 'table_description': 'A person who may act on the moderation queue. Admins also manage moderators.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Thread',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=120)),
                ('title', fields.CharField(max_length=300)),
                ('url', fields.CharField(null=True, db_index=True, max_length=2000)),
                ('body_html', fields.TextField(default='', unique=False)),
                ('source', fields.CharField(null=True, max_length=500)),
                ('import_key', fields.CharField(unique=True, max_length=255)),
                ('status', fields.CharEnumField(default=ThreadStatus.OPEN, description='OPEN: open\nCLOSED: closed', enum_type=ThreadStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('last_activity_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'thread', 'app': 'forum', 'pk_attr': 'id', 'table_description': 'A discussion: a blog post (or page) and the comments under it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Comment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('thread', fields.ForeignKeyField('forum.Thread', source_field='thread_id', db_constraint=True, to_field='id', related_name='comments', on_delete=OnDelete.CASCADE)),
                ('parent', fields.ForeignKeyField('forum.Comment', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='replies', on_delete=OnDelete.SET_NULL)),
                ('author', fields.CharField(default='Anonymous', max_length=80)),
                ('text', fields.TextField(unique=False)),
                ('html', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=CommentStatus.VISIBLE, description='VISIBLE: visible\nPENDING: pending\nHIDDEN: hidden\nDELETED: deleted', enum_type=CommentStatus, max_length=16)),
                ('import_key', fields.CharField(unique=True, max_length=255)),
                ('ip_hash', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('edited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'comment', 'app': 'forum', 'indexes': [Index(fields=['thread_id', 'created_at'], name='comment_thread_created_idx'), Index(fields=['status', 'created_at'], name='comment_status_created_idx')], 'pk_attr': 'id', 'table_description': 'One comment or reply: `text` is what the poster sent, `html` its sanitised form.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ModerationAction',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('moderator', fields.ForeignKeyField('forum.Moderator', source_field='moderator_id', null=True, db_constraint=True, to_field='id', related_name='actions', on_delete=OnDelete.RESTRICT)),
                ('comment', fields.ForeignKeyField('forum.Comment', source_field='comment_id', null=True, db_constraint=True, to_field='id', related_name='moderation_actions', on_delete=OnDelete.RESTRICT)),
                ('thread', fields.ForeignKeyField('forum.Thread', source_field='thread_id', null=True, db_constraint=True, to_field='id', related_name='moderation_actions', on_delete=OnDelete.RESTRICT)),
                ('action', fields.CharField(max_length=32)),
                ('reason', fields.TextField(default='', unique=False)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'moderation_action', 'app': 'forum', 'pk_attr': 'id', 'table_description': 'One entry of the audit log: who did what to which comment, with before and after.'},
            bases=['Model'],
        ),
    ]
