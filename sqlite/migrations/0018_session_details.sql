-- A user lists their own sessions and ends the ones they do not
-- recognise: each session keeps the browser's description and the address
-- it was opened from.
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT '';
