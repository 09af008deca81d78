"""Action server: thin glue between the dialogue and the backend (business rules live in api/)."""
