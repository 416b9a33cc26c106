-- Voucher usage of package discount (Store.Ledger): how often each rule
-- was redeemed, in total and per client, and which orders redeemed it.
-- Redeem takes a use by a conditional upsert of the rule's row and then
-- of the client's row (ON CONFLICT DO UPDATE … WHERE uses < limit), so the
-- row lock, not the caller's snapshot, decides who gets the last use, in
-- any process. Every writer locks in one order (the order's use, the
-- rule, the client), so Redeem and Release never deadlock each other.
-- Keys sort bytewise (COLLATE "C"), as everywhere in this schema.

-- Uses of a rule in total.
CREATE TABLE voucher_usage (
    rule bigint PRIMARY KEY,
    uses bigint NOT NULL CHECK (uses >= 0)
);

-- Uses of a rule by one client; anon of them were recorded without an
-- order, the only ones a Release without an order may give back.
CREATE TABLE voucher_client_usage (
    rule   bigint NOT NULL,
    client text COLLATE "C" NOT NULL,
    uses   bigint NOT NULL CHECK (uses >= 0),
    anon   bigint NOT NULL CHECK (anon >= 0 AND anon <= uses),
    PRIMARY KEY (rule, client)
);

-- Uses recorded with an order: one per (rule, order), which makes a
-- retried Redeem a no-op; client is who redeemed it, for Release.
CREATE TABLE voucher_order_uses (
    rule        bigint NOT NULL,
    order_id    text COLLATE "C" NOT NULL,
    client      text COLLATE "C" NOT NULL,
    redeemed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rule, order_id)
);
