from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0007_thread_comment_count')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Comment',
            index=Index(fields=['claim_state', 'status'], name='comment_claim_status_idx'),
        ),
        ops.AddIndex(
            model_name='Report',
            index=Index(fields=['resolved', 'comment_id'], name='report_open_comment_idx'),
        ),
        ops.AddIndex(
            model_name='Report',
            index=Index(fields=['comment_id', 'resolved'], name='report_comment_idx'),
        ),
    ]
