"""The admins' review inbox: messages the assistant handled badly, grouped, and their labels.
Staff may flag a case's message as misunderstood; the rest is for admins only."""
from fastapi import APIRouter

router = APIRouter(prefix="/console/api")
