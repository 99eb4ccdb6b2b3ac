-- Property inquiries follow the offer to its end: new → contacted → qualified → installed, or
-- declined at any open step. Each status change is kept with the note mailed to the inquirer.
-- Earlier statuses: not_qualified was a refusal; closed ended an inquiry without saying how (spam,
-- withdrawn, done), and claiming an installation nobody recorded would be worse than calling it declined.
ALTER TABLE property_inquiry DROP CONSTRAINT property_inquiry_status_check;
UPDATE property_inquiry SET status = 'declined' WHERE status IN ('not_qualified', 'closed');
ALTER TABLE property_inquiry ADD CONSTRAINT property_inquiry_status_check
  CHECK (status IN ('new', 'contacted', 'qualified', 'declined', 'installed'));

CREATE TABLE property_inquiry_change (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  inquiry_id   bigint NOT NULL REFERENCES property_inquiry (id),
  from_status  text NOT NULL,
  to_status    text NOT NULL,
  -- Written for the inquirer: it goes in the mail about this change.
  note         text,
  -- The administrator's account; null for an operator without one (the CLI, the token).
  changed_by   bigint REFERENCES account (id),
  changed_at   timestamptz NOT NULL,
  -- When the mail to the inquirer went out; null while it has not.
  mailed_at    timestamptz
);
CREATE INDEX property_inquiry_change_inquiry_idx ON property_inquiry_change (inquiry_id, id);
