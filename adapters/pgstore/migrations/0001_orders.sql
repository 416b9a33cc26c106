-- Orders, their lines, history and the event outbox.
-- Money is numeric (exact); statuses and approval are the stored codes of
-- oms.Status and oms.Approval; ids sort bytewise (COLLATE "C") so list
-- order agrees with oms cursors everywhere.

CREATE TABLE orders (
    id                text COLLATE "C" PRIMARY KEY,
    number            text NOT NULL,
    channel_type      text NOT NULL,
    channel_id        bigint NOT NULL,
    store             text NOT NULL,
    external_id       text NOT NULL,
    order_type        text NOT NULL,
    client_id         text NOT NULL,
    client_groups     text[] NOT NULL,
    client_email      text NOT NULL,
    currency          text NOT NULL,
    subtotal          numeric NOT NULL,
    discount          numeric NOT NULL,
    tax               numeric NOT NULL,
    delivery_fee      numeric NOT NULL,
    total             numeric NOT NULL,
    payment_method    text NOT NULL,
    billing           jsonb NOT NULL,
    shipping          jsonb NOT NULL,
    seller            text NOT NULL,
    notes             text NOT NULL,
    status            smallint NOT NULL CHECK (status BETWEEN 0 AND 16),
    held_from         smallint NOT NULL CHECK (held_from BETWEEN 0 AND 16),
    approval_required boolean NOT NULL,
    approval          smallint NOT NULL CHECK (approval BETWEEN -1 AND 1),
    approval_rule     text NOT NULL,
    reject_reason     text NOT NULL,
    ship_courier      text NOT NULL,
    ship_awb          text NOT NULL,
    ship_url          text NOT NULL,
    paid              numeric NOT NULL,
    refunded          numeric NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    delivered_at      timestamptz,
    version           bigint NOT NULL
) WITH (fillfactor = 90);

-- Idempotent imports: one order per (channel, store, external id).
CREATE UNIQUE INDEX orders_external_key ON orders (channel_type, channel_id, store, external_id)
    WHERE external_id <> '';

-- List order and the created range.
CREATE INDEX orders_created ON orders (created_at, id);
-- The operator's lists: by status, approval, channel and client, each in
-- list order so a page is an index range.
CREATE INDEX orders_status ON orders (status, created_at, id);
CREATE INDEX orders_approval ON orders (approval, created_at, id) WHERE approval_required;
CREATE INDEX orders_channel ON orders (channel_type, channel_id, created_at, id);
CREATE INDEX orders_channel_id ON orders (channel_id, created_at, id);
CREATE INDEX orders_client ON orders (client_id, created_at, id);

CREATE TABLE order_lines (
    order_id      text COLLATE "C" NOT NULL REFERENCES orders (id),
    pos           integer NOT NULL,
    product_id    text NOT NULL,
    sku           text NOT NULL,
    name          text NOT NULL,
    product_group text NOT NULL,
    quantity      bigint NOT NULL,
    unit_price    numeric NOT NULL,
    discount      numeric NOT NULL,
    tax_rate      numeric NOT NULL,
    shipped       bigint NOT NULL,
    delivered     bigint NOT NULL,
    returned      bigint NOT NULL,
    PRIMARY KEY (order_id, pos)
);

CREATE TABLE order_history (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    text COLLATE "C" NOT NULL REFERENCES orders (id),
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    from_status smallint NOT NULL CHECK (from_status BETWEEN 0 AND 16),
    to_status   smallint NOT NULL CHECK (to_status BETWEEN 0 AND 16),
    event       text NOT NULL,
    reason      text NOT NULL
);
CREATE INDEX order_history_order ON order_history (order_id, seq);

-- The outbox: no foreign key, an event may outlive or precede its order's
-- row (and other packages append their own).
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type         text NOT NULL,
    order_id     text NOT NULL,
    event        text NOT NULL,
    from_status  smallint NOT NULL,
    to_status    smallint NOT NULL,
    actor        text NOT NULL,
    reason       text NOT NULL,
    at           timestamptz NOT NULL,
    channel_type text NOT NULL,
    channel_id   bigint NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    claimed_by   text,
    lease_until  timestamptz,
    acked_at     timestamptz
);
-- Claims scan only unacknowledged events, oldest first.
CREATE INDEX outbox_pending ON outbox (id) WHERE acked_at IS NULL;
