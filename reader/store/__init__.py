"""The store: the only SQL. base (connection, migrations, transactions), schema, feeds, items."""
