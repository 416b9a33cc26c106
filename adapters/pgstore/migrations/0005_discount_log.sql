-- The applied discount log of package discount (omni_log_discount): one
-- row per rule that saved something on an order line, written by
-- oms.Service.Place in the order's transaction (oms.DiscountLogTx) and
-- read by Store.DiscountLog for the campaign reports.
-- Money is numeric, at the scale it was logged (unit prices at the minor
-- unit plus four decimals). seq is the written order, which DiscountLog
-- returns; at is the cart's time, which the From/To filters bound. No
-- foreign key to orders: like the outbox, a log row may outlive its
-- order's row (archives), and the contract does not ask the store to
-- check the order; Place writes both in one transaction.
-- Keys sort bytewise (COLLATE "C"), as everywhere in this schema.

CREATE TABLE discount_log (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule           bigint NOT NULL,
    rule_name      text NOT NULL,
    client_id      text COLLATE "C" NOT NULL,
    product_id     text COLLATE "C" NOT NULL,
    order_id       text COLLATE "C" NOT NULL,
    channel_id     bigint NOT NULL,
    voucher        text COLLATE "C" NOT NULL, -- normalised code, '' for automatic rules
    original_price numeric NOT NULL,
    price_after    numeric NOT NULL,
    original_total numeric NOT NULL,
    total_after    numeric NOT NULL,
    saved          numeric NOT NULL,
    quantity       bigint NOT NULL,
    currency       text NOT NULL,
    at             timestamptz NOT NULL -- a zero Go time is stored as 0001-01-01 UTC, so ranges match Match
);

-- One index per filter of oms.DiscountLogFilter; the time range is the
-- second column, since reports select a period of a rule, client,
-- channel or voucher.
CREATE INDEX discount_log_order ON discount_log (order_id, seq);
CREATE INDEX discount_log_at ON discount_log (at);
CREATE INDEX discount_log_rule ON discount_log (rule, at);
CREATE INDEX discount_log_client ON discount_log (client_id, at);
CREATE INDEX discount_log_channel ON discount_log (channel_id, at);
CREATE INDEX discount_log_voucher ON discount_log (voucher, at) WHERE voucher <> '';
