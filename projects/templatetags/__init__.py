"""Template tags of the projects list."""
