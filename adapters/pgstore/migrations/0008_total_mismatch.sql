-- channels.KindTotalMismatch: an imported order whose total differs from
-- the shop's beyond rounding is imported and its diary record flagged with
-- this kind (channels.RecordKinds). The value is only added here; nothing
-- in this migration uses it, as PostgreSQL requires within one transaction.
ALTER TYPE sync_kind ADD VALUE 'total mismatch';
