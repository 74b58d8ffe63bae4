"""``python -m schemas.source_options``: print the README's connector option table."""

from schemas.source_options.table import markdown_table

print(markdown_table())
