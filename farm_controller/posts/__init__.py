"""Posts: what a `publish_post` job means on the controller (more of the domain moves here)."""
