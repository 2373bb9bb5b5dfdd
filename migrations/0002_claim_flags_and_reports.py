from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from forum.models import ClaimState, ReportReason
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from forum.migrations._operations import AddFieldFillingRows
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Report',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('comment', fields.ForeignKeyField('forum.Comment', source_field='comment_id', db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharEnumField(description='NEEDS_SOURCE: needs_source\nSPAM: spam\nABUSIVE: abusive\nOFF_TOPIC: off_topic', enum_type=ReportReason, max_length=16)),
                ('note', fields.TextField(default='', unique=False)),
                ('ip_hash', fields.CharField(null=True, max_length=64)),
                ('resolved', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'report', 'app': 'forum', 'indexes': [Index(fields=['resolved', 'id'], name='report_resolved_idx')], 'pk_attr': 'id', 'table_description': "A reader's report on a comment, waiting in the moderation queue until resolved."},
            bases=['Model'],
        ),
        AddFieldFillingRows(
            model_name='Comment',
            name='claim_findings',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        AddFieldFillingRows(
            model_name='Comment',
            name='claim_score',
            field=fields.FloatField(default=0.0),
        ),
        AddFieldFillingRows(
            model_name='Comment',
            name='claim_state',
            field=fields.CharEnumField(default=ClaimState.CLEAR, description='CLEAR: clear\nFLAGGED: flagged\nAPPROVED: approved\nSOURCE_REQUESTED: source_requested', enum_type=ClaimState, max_length=24),
        ),
        AddFieldFillingRows(
            model_name='Comment',
            name='moderator_note',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddIndex(
            model_name='Comment',
            index=Index(fields=['claim_state', 'id'], name='comment_claim_state_idx'),
        ),
    ]
