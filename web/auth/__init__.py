"""Sign-in: server-side sessions, the per-request caller, and role guards."""
