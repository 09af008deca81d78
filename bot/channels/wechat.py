"""WeChat Official Account residents. The push protocol (signatures, AES, XML, retries, the
customer-service API) is the backend's (api/channels/wechat*.py), beside the guards and the
record; Rasa sees each turn on this private channel, named "wechat" so that `channel: wechat`
response variants match (rasa#7384)."""
from typing import Text

from bot.channels.h5 import H5Input, H5Output


class WeChatOutput(H5Output):
    @classmethod
    def name(cls) -> Text:
        return "wechat"


class WeChatInput(H5Input):
    output = WeChatOutput
