"""Read-only reports on the live organisation: drift, execution status and export."""
