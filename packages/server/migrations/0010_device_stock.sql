-- Device stock belongs to a program (or to nobody yet): a program's administrators see and ship
-- their program's stock and the shared stock (NULL: the operator's, any program ships from it, as
-- before), never another program's. An operator assigns shared stock to a program.
ALTER TABLE device ADD COLUMN stock_program_id bigint REFERENCES program (id);
CREATE INDEX device_stock_program_idx ON device (stock_program_id) WHERE stock_program_id IS NOT NULL;

-- Who did it, when a person (not the device or the platform) moved a device along: an
-- administrator marking it installed for a driver on a support call, say.
ALTER TABLE device_event ADD COLUMN by_account_id bigint REFERENCES account (id);
ALTER TABLE device_event DROP CONSTRAINT device_event_kind_check;
ALTER TABLE device_event ADD CONSTRAINT device_event_kind_check CHECK (kind IN
  ('provisioned', 'status', 'credential_rotated', 'credential_revoked', 'assigned', 'unassigned', 'stock_assigned'));
