"""Jieba tokenizer that (1) segments the normalised text, so traditional characters and
full-width digits look like their everyday forms, (2) drops whitespace tokens, which
Rasa 3.6's JiebaTokenizer emits and which break entity alignment (rasa#7910), and (3) picks up
words added to the catalogue in the console while the server runs.
Offsets still point into the original text because normalisation keeps the length."""
import logging
import os
import time
from pathlib import Path
from typing import Any, List, Optional, Text

import jieba
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from shared.settings import get_settings
from shared.textnorm import normalise

log = logging.getLogger(__name__)
CHECK_SECONDS = 3.0  # how stale segmentation may be after a console edit; one stat() per period


class DictionaryWatch:
    """The generated dictionary (RSA_JIEBA_DICT), loaded again when it changed. A loaded model
    carries the dictionary of its training; the backend rewrites the file after every catalogue
    edit (atomically), and its new words reach jieba here. Words are only added: jieba cannot
    forget a word without damaging its own dictionary, and a removed alias does no harm as a word."""

    def __init__(self, path: Path, every: float = CHECK_SECONDS):
        self.path, self.every = Path(path), every
        self.next_check = 0.0
        self.seen: Optional[tuple] = None  # the first check loads the file: it may be newer than the model

    def _stamp(self) -> Optional[tuple]:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def check(self) -> bool:
        """True when the dictionary was (re)loaded now."""
        now = time.monotonic()
        if now < self.next_check:
            return False
        self.next_check = now + self.every
        stamp = self._stamp()
        if stamp is None or stamp == self.seen:
            return False
        try:
            jieba.load_userdict(str(self.path))
        except (OSError, ValueError):  # half-written by hand, or unreadable: keep the words we have
            log.warning("could not load the jieba dictionary %s; keeping the words already loaded", self.path)
            return False
        self.seen = stamp
        log.info("loaded the jieba dictionary %s again (it changed)", self.path)
        return True


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class NormalisingJiebaTokenizer(JiebaTokenizer):
    watch: Optional[DictionaryWatch] = None  # set on a loaded (serving) component only

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs: Any) -> "NormalisingJiebaTokenizer":
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        if config.get("dictionary_path") is not None:
            component.watch = DictionaryWatch(get_settings().jieba_dict)
        return component

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        if self.watch is not None:
            self.watch.check()
        text = message.get(attribute)
        norm = normalise(text)
        if len(norm) != len(text):  # cannot happen by construction; never misalign offsets
            norm = text
        tokens = [Token(word, start) for word, start, _ in jieba.tokenize(norm) if word.strip()]
        return self._apply_token_pattern(tokens)
