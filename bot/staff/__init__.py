"""Staff: roles, the audited access check and joining by code (`access`), numbers for staff (`insights`).
No door."""
