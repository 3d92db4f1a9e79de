"""One APIRouter per concern; api.app includes them in order."""
