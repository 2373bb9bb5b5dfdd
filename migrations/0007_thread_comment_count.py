from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0006_thread_version')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Comment',
            index=Index(fields=['thread_id', 'status'], name='comment_thread_status_idx'),
        ),
        ops.AddField(
            model_name='Thread',
            name='comment_count',
            field=fields.IntField(default=0, db_default=0),
        ),
        # Existing threads get their count now; from here on every change recounts.
        ops.RunSQL(
            "UPDATE thread SET comment_count = (SELECT COUNT(*) FROM comment"
            " WHERE comment.thread_id = thread.id AND comment.status = 'visible')",
            reverse_sql="",
        ),
    ]
