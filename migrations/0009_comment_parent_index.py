from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0008_queue_count_indexes')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Comment',
            index=Index(fields=['parent_id'], name='comment_parent_idx'),
        ),
    ]
