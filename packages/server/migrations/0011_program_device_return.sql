-- What a participant who leaves does with a device that must come back (never activated): where
-- to send it, or how to get a prepaid label. NULL: the platform's standard text, naming the
-- program's support contacts.
ALTER TABLE program ADD COLUMN device_return_instructions text;
