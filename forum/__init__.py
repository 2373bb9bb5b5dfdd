"""forum: discussion forums and blog comments, built around moderation."""
