"""Hotline callers through the speech gateway. jambonz's webhooks (verbs, gather results, call
status) are the backend's (api/channels/voice*.py); Rasa sees each spoken turn on this private
channel, named "voice" so that `channel: voice` response variants match (rasa#7384)."""
from typing import Text

from bot.channels.h5 import H5Input, H5Output


class VoiceOutput(H5Output):
    @classmethod
    def name(cls) -> Text:
        return "voice"


class VoiceInput(H5Input):
    output = VoiceOutput
