"""Addresses as residents write them ('柳岸新村6幢2单元楼下'), anywhere in a message, as
`address` entities: the same rules the backend uses (shared/addresses.py), with the place
names of the jieba dictionary generated from the places directory. Rules, not learning: it
needs no training and finds the place at the end of a long letter as well as in a short line."""
import logging
from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from shared.addresses import addresses, names_from_dictionary

log = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class AddressExtractor(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # The tokenizer's dictionary: `python -m api.cli nlu-resources` writes the district's
        # place names into it (part of speech ns).
        return {"dictionary_path": "bot/jieba", "entity": "address"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.entity = config["entity"]
        path = Path(config["dictionary_path"] or "")
        self.names = tuple(names_from_dictionary(path)) if path.exists() else ()
        if not self.names:
            log.warning("no place names in %s: addresses are found by their shape only "
                        "(run `python -m api.cli nlu-resources`)", path)
        addresses("柳岸新村6幢", self.names)  # load spaCy and jieba now, not on a resident's message

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "AddressExtractor":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):  # a button's payload, not the resident's words
                continue
            found = [{"entity": self.entity, "start": p.start, "end": p.end, "value": p.text, "confidence": 1.0}
                     for p in addresses(text, self.names)]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found),
                            add_to_output=True)
        return messages
