"""Backend: the system of record and the one home of business rules."""
