"""Pages router (filled by the page modules)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
