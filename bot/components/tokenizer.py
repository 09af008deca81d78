"""Jieba tokenizer that (1) segments the normalised text, so traditional characters and
full-width digits look like their everyday forms, and (2) drops whitespace tokens, which
Rasa 3.6's JiebaTokenizer emits and which break entity alignment (rasa#7910).
Offsets still point into the original text because normalisation keeps the length."""
from typing import List, Text

import jieba
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from shared.textnorm import normalise


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class NormalisingJiebaTokenizer(JiebaTokenizer):
    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        norm = normalise(text)
        if len(norm) != len(text):  # cannot happen by construction; never misalign offsets
            norm = text
        tokens = [Token(word, start) for word, start, _ in jieba.tokenize(norm) if word.strip()]
        return self._apply_token_pattern(tokens)
