"""The catalogue: integration projects, the themes and target groups that describe them, the
funding settlements that pay for them, and every public page and officer's page built on them."""
