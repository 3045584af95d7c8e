"""seed_demo (the fictional demo catalogue) and demo_accounts (local demo sign-ins)."""
