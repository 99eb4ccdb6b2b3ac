-- 0006: a PayPal batch whose send has an unknown outcome. A batch is marked 'sending' (and the
-- moment recorded) before each send to PayPal, so that a crash, a cut connection or an answer
-- we could not read leaves it in flight, never refused: its points stay debited until PayPal
-- says what happened, the batch being sent again only under the same sender_batch_id (which
-- PayPal pays once within 30 days of its first use).
ALTER TABLE payout_batch DROP CONSTRAINT payout_batch_status_check;
ALTER TABLE payout_batch ADD CONSTRAINT payout_batch_status_check
  CHECK (status IN ('created', 'sending', 'submitted', 'processing', 'completed', 'failed', 'exported'));
ALTER TABLE payout_batch ADD COLUMN first_sent_at timestamptz;
ALTER TABLE payout_batch ADD COLUMN last_sent_at timestamptz;

-- Batches sent before this migration without an accepted answer may be at PayPal: 'created'
-- after a send (retries ran out), or 'failed' with items never settled (PayPal said the
-- sender_batch_id existed without saying which batch). They are in flight from now on.
UPDATE payout_batch b
   SET status = 'sending', first_sent_at = b.created_at, last_sent_at = b.created_at
 WHERE b.provider = 'paypal' AND b.provider_batch_id IS NULL
   AND ((b.status = 'created' AND b.attempts > 0)
     OR (b.status = 'failed' AND EXISTS (SELECT 1 FROM payout_item i WHERE i.batch_id = b.id AND i.status = 'pending')));
