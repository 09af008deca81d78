"""What admins do to keep the assistant good: the inbox of messages it handled badly, labels
written into nlu_data/, training runs in the background, their evaluation, the model history
(activate, roll back), and editing the service catalogue and the incident categories."""
