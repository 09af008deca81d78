"""Settings, all overridable by environment variables."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("RSA_VAR_DIR", ROOT / "var"))

DATABASE_URL = os.environ.get("RSA_DATABASE_URL", f"sqlite:///{VAR / 'backend.db'}")
RASA_URL = os.environ.get("RSA_RASA_URL", "http://127.0.0.1:5005")
SEED_DIR = Path(os.environ.get("RSA_SEED_DIR", ROOT / "api" / "seed"))
# Longest resident message the assistant accepts; longer ones get a polite request to shorten.
MAX_MESSAGE_CHARS = int(os.environ.get("RSA_MAX_MESSAGE_CHARS", "500"))
HOTLINE = os.environ.get("RSA_HOTLINE", "12345")
# Per resident: a burst of this many messages, then one every 1/CHAT_PER_SECOND seconds.
CHAT_BURST = int(os.environ.get("RSA_CHAT_BURST", "10"))
CHAT_PER_SECOND = float(os.environ.get("RSA_CHAT_PER_SECOND", "1"))
