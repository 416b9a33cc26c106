-- The refusal of an order update inside SQL. pgstore sends Tx.Update's
-- UPDATE … WHERE id AND version (and, for an order the unit did not read,
-- the fixed columns) together with the unit's next statements or its
-- COMMIT, in one round trip; when that UPDATE matches no row, its
-- statement calls this function, whose error aborts the transaction and
-- makes the server skip the rest of the round trip (COMMIT included).
-- It tells why, by a SQLSTATE of pgstore's own (class OM), which the
-- store maps to the oms error kinds:
--   OMV01  the stored version differs (or the row changed meanwhile)  oms.ErrConflict
--   OMV02  no order with that id                                      oms.ErrNotFound
--   OMV03  same version, so a fixed column differs                    *oms.ValidationError
-- (fixed_checked says whether the UPDATE compared the fixed columns.)
CREATE FUNCTION orders_update_refused(p_id text, p_version bigint, p_fixed_checked boolean)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    stored bigint;
BEGIN
    SELECT o.version INTO stored FROM orders o WHERE o.id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order % not found', p_id USING ERRCODE = 'OMV02';
    END IF;
    IF stored = p_version AND p_fixed_checked THEN
        RAISE EXCEPTION 'order %: channel, store, external id and creation time are fixed', p_id
            USING ERRCODE = 'OMV03';
    END IF;
    RAISE EXCEPTION 'order % at version %, update from %', p_id, stored, p_version USING ERRCODE = 'OMV01';
END
$$;
