"""The portal's configuration (settings, addresses, servers) and the building blocks every app
uses: lists, tables, forms, caching, money, the embedded PostgreSQL."""
