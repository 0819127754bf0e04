"""Planning: compare desired definitions with the live organisation into a frozen Plan value."""
