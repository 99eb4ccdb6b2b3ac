-- Display units follow the driver's program until the driver chooses: NULL now means "not chosen"
-- (the service answers the program's units: miles and °F in the United States, km and °C in
-- Canada). Rows that exist keep the units they have, since nothing tells whether those were chosen.
ALTER TABLE account ALTER COLUMN distance_unit DROP NOT NULL;
ALTER TABLE account ALTER COLUMN distance_unit DROP DEFAULT;
ALTER TABLE account ALTER COLUMN temperature_unit DROP NOT NULL;
ALTER TABLE account ALTER COLUMN temperature_unit DROP DEFAULT;
