package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

// Clients is the client directory on the database (table clients,
// migration 0007): the channels.ClientDirectory the sync engine finds or
// creates the buyers of imported orders with, plus Put, Get and List for
// the host program. Store.Clients returns it; it behaves as
// adapters/memstore's Clients, across processes:
//
//   - Emails are compared trimmed and case-insensitively, and a unique
//     index on lower(email) keeps one client per email (clients without
//     an email are allowed). Put refuses an email another client holds
//     with an error wrapping channels.ErrDuplicateClient.
//   - FindOrCreate is atomic across processes: one statement reads the
//     client and, when there is none, inserts it with ON CONFLICT DO
//     NOTHING. Several processes creating one email end with one client;
//     a caller that lost the race reads the winner's client with a second
//     statement. Created clients get the ids "C1", "C2"… from the
//     sequence clients_number, skipping ids the host program took.
//
// It is safe for concurrent use. SQL is parameterised.
type Clients struct{ s *Store }

var _ channels.ClientDirectory = (*Clients)(nil)

// Clients returns the store's client directory.
func (s *Store) Clients() *Clients { return &Clients{s: s} }

// findOrCreateAttempts bounds FindOrCreate's statements: a race lost to
// another process costs one more, and so does a generated id the host
// program already uses.
const findOrCreateAttempts = 10

// clientEmailKey is the form emails are compared in: trimmed, lower case.
func clientEmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// usableClientEmail reports whether a normalised email can key a client:
// one @ with something on both sides and no spaces or angle brackets.
func usableClientEmail(k string) bool {
	at := strings.LastIndexByte(k, '@')
	return at > 0 && at < len(k)-1 && !strings.ContainsAny(k, " \t\r\n<>,;")
}

// The client of an email, or a new one when there is none. The insert
// skips on any conflict: the email (another process created the client
// after this statement's snapshot: the SELECT cannot see it, so no row
// comes back and the caller asks again) or the id (the host program holds
// it: the next attempt draws another).
const findOrCreateClientSQL = `WITH found AS (
	SELECT id, email, groups FROM clients WHERE lower(email) = lower($1) AND email <> ''
), created AS (
	INSERT INTO clients (id, email)
	SELECT 'C' || nextval('clients_number'), $1
	WHERE NOT EXISTS (SELECT FROM found)
	ON CONFLICT DO NOTHING
	RETURNING id, email, groups
)
SELECT id, email, groups FROM found
UNION ALL
SELECT id, email, groups FROM created`

// FindOrCreate implements channels.ClientDirectory: it returns the client
// whose email is c.Email (trimmed, any case), creating it (with the email
// in lower case and no groups) when there is none; one round trip unless
// a race or a taken id asks for another. An empty or unusable email is an
// error wrapping channels.ErrInvalidEmail.
func (d *Clients) FindOrCreate(ctx context.Context, c channels.Customer) (oms.Client, error) {
	if err := ctx.Err(); err != nil {
		return oms.Client{}, err
	}
	k := clientEmailKey(c.Email)
	if !usableClientEmail(k) {
		return oms.Client{}, fmt.Errorf("pgstore: client email %q: %w", c.Email, channels.ErrInvalidEmail)
	}
	var out oms.Client
	err := d.s.withConn(ctx, func(conn *pgx.Conn) error {
		for range findOrCreateAttempts {
			rows, err := conn.Query(ctx, findOrCreateClientSQL, k)
			if err != nil {
				return err
			}
			got, err := pgx.CollectRows(rows, scanClient)
			if err != nil {
				return err
			}
			switch len(got) {
			case 0:
				continue
			case 1:
				out = got[0]
				return nil
			default: // the unique index makes this impossible
				return fmt.Errorf("%d clients: %w", len(got), channels.ErrDuplicateClient)
			}
		}
		return fmt.Errorf("no client after %d attempts (ids C<n> taken by the host program?)", findOrCreateAttempts)
	})
	if err != nil {
		return oms.Client{}, fmt.Errorf("pgstore: find or create client %q: %w", k, err)
	}
	return out, nil
}

func scanClient(row pgx.CollectableRow) (oms.Client, error) {
	var c oms.Client
	if err := row.Scan(&c.ID, &c.Email, &c.Groups); err != nil {
		return c, err
	}
	if len(c.Groups) == 0 {
		c.Groups = nil
	}
	return c, nil
}

// Put adds or replaces the client with c.ID. The email is stored trimmed;
// "" is a client without one. An empty id is an error wrapping
// channels.ErrInvalid, an unusable email one wrapping
// channels.ErrInvalidEmail, and an email another client holds (any case)
// one wrapping channels.ErrDuplicateClient; a refused Put changes nothing.
func (d *Clients) Put(ctx context.Context, c oms.Client) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if strings.TrimSpace(c.ID) == "" {
		return fmt.Errorf("pgstore: put client: empty id: %w", channels.ErrInvalid)
	}
	email := strings.TrimSpace(c.Email)
	if k := clientEmailKey(email); k != "" && !usableClientEmail(k) {
		return fmt.Errorf("pgstore: put client %s: email %q: %w", c.ID, c.Email, channels.ErrInvalidEmail)
	}
	groups := c.Groups
	if groups == nil {
		groups = []string{}
	}
	err := d.s.withConn(ctx, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, `INSERT INTO clients (id, email, groups) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, groups = EXCLUDED.groups, updated_at = now()`,
			c.ID, email, groups)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "clients_email" {
		return fmt.Errorf("pgstore: put client %s: email %q belongs to another client: %w (%w)", c.ID, email, channels.ErrDuplicateClient, err)
	}
	if err != nil {
		return fmt.Errorf("pgstore: put client %s: %w", c.ID, err)
	}
	return nil
}

// Get returns the client with id, or an error wrapping channels.ErrNotFound.
func (d *Clients) Get(ctx context.Context, id string) (oms.Client, error) {
	out, err := collect(ctx, d.s, "SELECT id, email, groups FROM clients WHERE id = $1", []any{id}, scanClient)
	if err != nil {
		return oms.Client{}, fmt.Errorf("pgstore: get client %s: %w", id, err)
	}
	if len(out) == 0 {
		return oms.Client{}, fmt.Errorf("pgstore: client %s: %w", id, channels.ErrNotFound)
	}
	return out[0], nil
}

// List returns every client, by id (bytewise).
func (d *Clients) List(ctx context.Context) ([]oms.Client, error) {
	out, err := collect(ctx, d.s, "SELECT id, email, groups FROM clients ORDER BY id", nil, scanClient)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list clients: %w", err)
	}
	return out, nil
}
