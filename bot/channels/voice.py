"""Hotline callers through the speech gateway. jambonz's webhooks (verbs, gather results, call
status) are the backend's (api/channels/voice*.py); Rasa sees each spoken turn on this private
channel, named "voice" so that `channel: voice` response variants match (rasa#7384). A line keeps
the recogniser's confidence as message metadata, so a handoff's transcript shows staff what may
have been misheard."""
import math
from typing import Any, Dict, Optional, Text

from sanic.request import Request

from bot.channels.h5 import H5Input, H5Output


class VoiceOutput(H5Output):
    @classmethod
    def name(cls) -> Text:
        return "voice"


class VoiceInput(H5Input):
    output = VoiceOutput

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        try:
            value = (request.json or {}).get("metadata", {}).get("asr_confidence")
        except Exception:  # no JSON object, or metadata that is no object: nothing to keep
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 1:
            return {"asr_confidence": float(value)}
        return None
