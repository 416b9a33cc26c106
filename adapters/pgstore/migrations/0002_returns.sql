-- The records of package returns: return requests and their items,
-- refunds, receipt notes, stock movements and levels, loyalty points
-- earned and reversed.
-- Money is numeric; approval is the stored code of returns.Approval; ids
-- are text (COLLATE "C", like orders) made from a per-table identity as
-- PREFIX-NNNNNN, the format memstore uses. No foreign key to orders: the
-- returns contract lets records name an order this database does not hold
-- (an imported or archived one). Zero times are stored as NULL, except
-- requested_at.

CREATE SEQUENCE returns_id_seq;

CREATE TABLE returns (
    id             text COLLATE "C" PRIMARY KEY,
    order_id       text COLLATE "C" NOT NULL,
    client_id      text NOT NULL,
    return_type    text NOT NULL,
    reason         text NOT NULL,
    requested_by   text NOT NULL,
    via_portal     boolean NOT NULL,
    requested_at   timestamptz NOT NULL, -- a sort key: the zero time is stored as is (year 1)
    approval       smallint NOT NULL CHECK (approval BETWEEN 0 AND 2),
    decided_by     text NOT NULL,
    decided_at     timestamptz,
    decision_note  text NOT NULL,
    currency       text NOT NULL,
    value          numeric NOT NULL,
    fee            numeric NOT NULL,
    delivery_fee   numeric NOT NULL,
    refund_due     numeric NOT NULL,
    refunded       numeric NOT NULL,
    full_return    boolean NOT NULL,
    receipt_id     text NOT NULL,
    loyalty_points bigint NOT NULL,
    version        bigint NOT NULL
);
-- Returns lists in (requested_at, id) order, by order or client or all.
CREATE INDEX returns_requested ON returns (requested_at, id);
CREATE INDEX returns_order ON returns (order_id, requested_at, id);
CREATE INDEX returns_client ON returns (client_id, requested_at, id);
CREATE INDEX returns_decided ON returns (decided_at) WHERE decided_at IS NOT NULL;

CREATE TABLE return_items (
    return_id  text COLLATE "C" NOT NULL REFERENCES returns (id),
    pos        integer NOT NULL,
    line       integer NOT NULL,
    product_id text NOT NULL,
    sku        text NOT NULL,
    name       text NOT NULL,
    vendor     text NOT NULL,
    quantity   bigint NOT NULL,
    gross      numeric NOT NULL,
    discount   numeric NOT NULL,
    net        numeric NOT NULL,
    tax        numeric NOT NULL,
    paid       numeric NOT NULL,
    PRIMARY KEY (return_id, pos)
);

CREATE TABLE refunds (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text COLLATE "C" GENERATED ALWAYS AS ('RF-' || lpad(seq::text, greatest(6, length(seq::text)), '0')) STORED UNIQUE,
    order_id     text COLLATE "C" NOT NULL,
    return_id    text NOT NULL,
    amount       numeric NOT NULL,
    currency     text NOT NULL,
    payment_mode text NOT NULL,
    refunded_on  timestamptz,
    note         text NOT NULL,
    by_actor     text NOT NULL
);
CREATE INDEX refunds_order ON refunds (order_id, seq);

CREATE TABLE receipts (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id        text COLLATE "C" GENERATED ALWAYS AS ('RCPT-' || lpad(seq::text, greatest(6, length(seq::text)), '0')) STORED UNIQUE,
    return_id text NOT NULL,
    order_id  text NOT NULL,
    at        timestamptz
);

CREATE TABLE receipt_lines (
    receipt_id text COLLATE "C" NOT NULL REFERENCES receipts (id),
    pos        integer NOT NULL,
    product_id text NOT NULL,
    sku        text NOT NULL,
    quantity   bigint NOT NULL,
    PRIMARY KEY (receipt_id, pos)
);

CREATE TABLE stock_entries (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text COLLATE "C" GENERATED ALWAYS AS ('STK-' || lpad(seq::text, greatest(6, length(seq::text)), '0')) STORED UNIQUE,
    product_id text NOT NULL,
    quantity   bigint NOT NULL,
    receipt_id text NOT NULL,
    return_id  text NOT NULL,
    at         timestamptz
);
CREATE INDEX stock_entries_product ON stock_entries (product_id, seq);
CREATE INDEX stock_entries_return ON stock_entries (return_id, seq) WHERE return_id <> '';
CREATE INDEX stock_entries_receipt ON stock_entries (receipt_id, seq) WHERE receipt_id <> '';

-- The level is kept beside the movements (upserted with each one) so a
-- read is one row, not a sum over history.
CREATE TABLE stock_levels (
    product_id text PRIMARY KEY,
    level      bigint NOT NULL
);

CREATE TABLE loyalty_earned (
    order_id text COLLATE "C" PRIMARY KEY,
    points   bigint NOT NULL
);

CREATE TABLE loyalty_reversals (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id        text COLLATE "C" GENERATED ALWAYS AS ('LR-' || lpad(seq::text, greatest(6, length(seq::text)), '0')) STORED UNIQUE,
    order_id  text COLLATE "C" NOT NULL,
    return_id text NOT NULL,
    client_id text NOT NULL,
    points    bigint NOT NULL,
    at        timestamptz
);
CREATE INDEX loyalty_reversals_order ON loyalty_reversals (order_id, seq);
