"""ucj-warehouse: Universal Coverage Jamsostek data warehouse."""
