-- The reference client directory and product table of the channels sync
-- engine (Store.Clients: channels.ClientDirectory; Store.Products:
-- channels.Catalogue and channels.ProductLister), and the duration of a
-- diary record.

-- Clients by id. One email belongs to at most one client, compared in
-- lower case ('' is a client without one): the unique index is what makes
-- FindOrCreate atomic across processes. Ids FindOrCreate creates are 'C'
-- followed by clients_number.
CREATE SEQUENCE clients_number;

CREATE TABLE clients (
    id         text COLLATE "C" PRIMARY KEY,
    email      text NOT NULL DEFAULT '',
    groups     text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX clients_email ON clients (lower(email)) WHERE email <> '';

-- Products by SKU (exact, bytewise). updated_at moves only when a Put
-- changes the row, and is ListProducts' Modified.
CREATE TABLE products (
    sku        text COLLATE "C" PRIMARY KEY,
    id         text NOT NULL,
    name       text NOT NULL DEFAULT '',
    grp        text NOT NULL DEFAULT '',
    department text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- channels.Record.Duration, in microseconds (rows written before this
-- migration read as zero: unknown).
ALTER TABLE sync_records ADD COLUMN duration_us bigint NOT NULL DEFAULT 0;
