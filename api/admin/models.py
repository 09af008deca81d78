"""The review inbox, training runs and the models they made."""
from sqlalchemy import JSON, Column, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from api.core.db import Base
from api.staff.models import StaffUser


class ReviewItem(Base):
    """One resident message the assistant handled badly, kept for an admin to read and label.
    `source` says where it was found (a tracker event, a routing decision, a staff flag), so
    collecting again never adds it twice. The text is stored masked (phones, ID numbers)."""

    __tablename__ = "review_items"
    id = Column(Integer, primary_key=True)
    source = Column(String(60), unique=True, nullable=False)   # e.g. "event:1234", "case:7:flag"
    at = Column(DateTime, nullable=False)                      # when the resident wrote it (district time)
    sender = Column(String(100), nullable=False, index=True)  # the conversation
    text = Column(Text, nullable=False)
    group_key = Column(String(200), nullable=False, index=True)  # normalised text: near-identical messages share it
    reason = Column(String(24), nullable=False)               # states.ReviewReason
    intent = Column(String(64), nullable=True)                # what the NLU read, and how sure it was
    intent_confidence = Column(Float, nullable=True)
    route = Column(String(16), nullable=True)                 # what the router decided, and its score
    route_score = Column(Float, nullable=True)
    context = Column(JSON, nullable=False, default=list)      # the conversation around it: [{"from", "text"}]
    status = Column(String(10), nullable=False, default="open", index=True)  # states.ReviewStatus
    label_intent = Column(String(64), nullable=True)
    label_route = Column(String(16), nullable=True)
    label_entities = Column(JSON, nullable=True)              # [{"entity", "value", "start", "end"}]
    labelled_by_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    labelled_at = Column(DateTime, nullable=True)
    flagged_by_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)  # staff who said "助手理解错了"
    suggested = Column(JSON, nullable=True)                   # {"intent", "route"} from a staff correction, shown only
    labelled_by = relationship(StaffUser, foreign_keys=[labelled_by_id])
    flagged_by = relationship(StaffUser, foreign_keys=[flagged_by_id])


class ReviewCursor(Base):
    """How far collection has read a source that only grows (Rasa's events, the audit log), so
    each background round reads only what is new."""

    __tablename__ = "review_cursors"
    name = Column(String(20), primary_key=True)               # "tracker:<path hash>" | "audit"
    position = Column(Integer, nullable=False, default=0)     # the last id read


class ModelVersion(Base):
    """A trained Rasa model: who trained it, its scores, and whether it serves."""

    __tablename__ = "model_versions"
    id = Column(Integer, primary_key=True)
    name = Column(String(80), unique=True, nullable=False)    # file name under the models folder
    sha256 = Column(String(64), nullable=True)
    config = Column(String(200), nullable=False, default="")  # the training configuration it was made with
    created_at = Column(DateTime, nullable=False)
    trained_by_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)  # null: trained by scripts/start
    status = Column(String(10), nullable=False, default="candidate")  # states.ModelStatus
    activated_at = Column(DateTime, nullable=True)
    activated_by_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    scores = Column(JSON, nullable=False, default=dict)       # {"test": {...}, "dev": {...}} from its evaluation
    # The model that served before this one was activated: what a rollback brings back. Kept in
    # the row, since activation times are to the second and read off each process's own clock.
    replaced_id = Column(Integer, ForeignKey("model_versions.id"), nullable=True)
    trained_by = relationship(StaffUser, foreign_keys=[trained_by_id])
    activated_by = relationship(StaffUser, foreign_keys=[activated_by_id])


class TrainingRun(Base):
    """One training run started from the console, in the background, then evaluated."""

    __tablename__ = "training_runs"
    id = Column(Integer, primary_key=True)
    started_at = Column(DateTime, nullable=False)
    finished_at = Column(DateTime, nullable=True)
    started_by_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True)
    state = Column(String(12), nullable=False)                # states.RunState
    stage = Column(String(40), nullable=False, default="")    # what it is doing now, in words
    pid = Column(Integer, nullable=True)
    config = Column(String(200), nullable=False, default="")
    error = Column(Text, nullable=True)
    model_id = Column(Integer, ForeignKey("model_versions.id"), nullable=True)
    started_by = relationship(StaffUser, foreign_keys=[started_by_id])
    model = relationship(ModelVersion)
