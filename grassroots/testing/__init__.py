"""Test support shared by every app's tests (not a Django app, imports no ``grassroots`` app).

- ``matrix``: the authorisation matrix every view and endpoint gets (ARCHITECTURE §5):
  ``assert_matrix`` checks, per column (anonymous, wrong role, out of scope, allowed), the status
  *and* that nothing leaked into the body *and* that nothing changed in the database.
- ``queries``: ``assert_constant_queries`` — a list answers in the same number of queries for
  2 rows as for 8 (no N+1).

Everything app-specific (users, objects, URLs) is passed in, so core's tests may use these
helpers too; the factories live with each app (``grassroots/<app>/tests/factories.py``).
"""
