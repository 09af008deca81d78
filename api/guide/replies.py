"""What the guide's endpoint is asked and answers (POST /api/assist/service-answer): the resident's
text with what the conversation knows, and the answer whole, in parts, with its buttons."""
from typing import List, Optional

from pydantic import BaseModel, Field, constr, root_validator


class AnswerRequest(BaseModel):
    text: str = Field("", max_length=2000)
    service_hint: Optional[str] = Field(None, max_length=100)   # NLU's service_item entity
    aspect_hint: Optional[str] = Field(None, max_length=20)     # NLU's aspect entity
    context_code: Optional[str] = Field(None, max_length=32)    # item under discussion
    community: Optional[str] = Field(None, max_length=50)
    # The message answers the assistant's own question (which community?) about context_code.
    answers_question: bool = False
    channel: str = Field("text", regex="^(text|voice)$")
    # The items the assistant just offered to choose between, the message answering in words.
    choices: List[constr(max_length=100)] = Field([], max_items=10)


class Candidate(BaseModel):
    code: str
    name: str
    score: float


class FollowUp(BaseModel):
    title: str   # what the button says: 要多久
    aspect: str  # what it asks about: time


class AnswerResponse(BaseModel):
    status: str  # answered | ambiguous | unknown | need_community
    text: str    # the whole answer in one text (the voice channel, staff tools)
    aspect: str
    service_code: Optional[str] = None
    service_name: Optional[str] = None
    community: Optional[str] = None
    candidates: List[Candidate] = []
    # The same answer in short parts, one chat message each, and the follow-up questions to
    # offer under the last one. The voice channel gets its one sentence as the only part.
    sections: List[str] = []
    follow_ups: List[FollowUp] = []

    @root_validator(skip_on_failure=True)
    def _one_part_at_least(cls, values):
        values["sections"] = values.get("sections") or [values["text"]]
        return values
