package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/azuvio/omnisales/discount"
	"github.com/azuvio/omnisales/oms"
)

// Ledger is discount.Ledger on PostgreSQL (migration 0004): voucher usage
// counted in the database, so a voucher's limits hold across every
// process on it. Each call is one transaction; Redeem takes a use with
// conditional upserts (… ON CONFLICT DO UPDATE … WHERE uses < limit),
// whose row locks decide who gets the last use. Get one with
// Store.Ledger; it is safe for concurrent use.
type Ledger struct {
	s *Store
}

var _ discount.UsageCounter = (*Ledger)(nil)

// Ledger returns the voucher usage ledger on s's database, with the
// semantics of discount.Ledger: pass it as discount.Config.Usage and
// commit a result's Redemption with its Redeem.
func (s *Store) Ledger() *Ledger { return &Ledger{s: s} }

// errAlreadyRedeemed ends a Redeem whose order is already recorded: its
// transaction is rolled back (it took a use it must not keep) and Redeem
// succeeds.
var errAlreadyRedeemed = errors.New("pgstore: voucher already redeemed by the order")

// Usage implements discount.UsageCounter. Both counts come from one
// snapshot.
func (l *Ledger) Usage(ctx context.Context, rule discount.RuleID, client discount.ClientID) (total, byClient int64, err error) {
	err = l.s.withConn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT coalesce((SELECT uses FROM voucher_usage WHERE rule = $1), 0),
			coalesce((SELECT uses FROM voucher_client_usage WHERE rule = $1 AND client = $2), 0)`,
			int64(rule), string(client)).Scan(&total, &byClient)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("pgstore: voucher usage of rule %d: %w", rule, err)
	}
	return total, byClient, nil
}

// Redeem records one use of the voucher if its limits allow it, as
// discount.Ledger.Redeem does: a *discount.VoucherError with
// RefusedUsageExhausted when the total or the client's limit is reached
// (nothing recorded), nil without counting again for an Order already
// recorded for the rule, and RefusedUnknown for a rule id <= 0.
//
// The statements travel in one round trip and take their locks in the
// order (rule, order), rule, (rule, client); each upsert re-checks its
// limit on the row as last committed, after waiting for its lock.
func (l *Ledger) Redeem(ctx context.Context, r discount.Redemption) error {
	if r.Rule <= 0 {
		return &discount.VoucherError{Code: r.Code, Reason: discount.RefusedUnknown}
	}
	var dup, gotTotal, gotClient bool
	anon := int64(1)
	steps := make([]stmt, 0, 3)
	if r.Order != "" {
		anon = 0
		steps = append(steps, stmt{what: "record order " + r.Order,
			sql: `INSERT INTO voucher_order_uses (rule, order_id, client) VALUES ($1, $2, $3)
				ON CONFLICT (rule, order_id) DO NOTHING`,
			args: []any{int64(r.Rule), r.Order, string(r.Client)},
			read: func(br pgx.BatchResults) error {
				tag, err := br.Exec()
				dup = err == nil && tag.RowsAffected() == 0
				return err
			}})
	}
	steps = append(steps,
		stmt{what: "count a use",
			sql: `INSERT INTO voucher_usage AS u (rule, uses) VALUES ($1, 1)
				ON CONFLICT (rule) DO UPDATE SET uses = u.uses + 1
				WHERE $2::bigint <= 0 OR u.uses < $2::bigint`,
			args: []any{int64(r.Rule), r.TotalLimit},
			read: rowsAffected(&gotTotal)},
		stmt{what: "count the client's use",
			sql: `INSERT INTO voucher_client_usage AS c (rule, client, uses, anon) VALUES ($1, $2, 1, $4)
				ON CONFLICT (rule, client) DO UPDATE SET uses = c.uses + 1, anon = c.anon + excluded.anon
				WHERE $3::bigint <= 0 OR c.uses < $3::bigint`,
			args: []any{int64(r.Rule), string(r.Client), r.PerClientLimit, anon},
			read: rowsAffected(&gotClient)})
	err := l.s.Do(ctx, func(tx oms.Tx) error {
		if err := tx.(*Tx).roundTrip(ctx, steps...); err != nil {
			return err
		}
		switch {
		case dup:
			return errAlreadyRedeemed
		case !gotTotal || !gotClient:
			return &discount.VoucherError{Code: r.Code, Rule: r.Rule, Reason: discount.RefusedUsageExhausted}
		}
		return nil
	})
	var ve *discount.VoucherError
	switch {
	case err == nil, errors.Is(err, errAlreadyRedeemed):
		return nil
	case errors.As(err, &ve):
		return err
	}
	return fmt.Errorf("pgstore: redeem voucher rule %d for client %q: %w", r.Rule, r.Client, err)
}

// Release gives back a use recorded by Redeem, as discount.Ledger.Release
// does: with an Order, that order's use (whoever the client); without,
// a use of the client that was also recorded without an order. It returns
// an error wrapping discount.ErrNotRedeemed when there is no such use,
// and then changes nothing.
func (l *Ledger) Release(ctx context.Context, r discount.Redemption) error {
	err := l.s.Do(ctx, func(tx oms.Tx) error {
		t := tx.(*Tx)
		if r.Order != "" {
			return releaseOrder(ctx, t, r)
		}
		var gotTotal, gotClient bool
		err := t.roundTrip(ctx,
			stmt{what: "give back a use", sql: "UPDATE voucher_usage SET uses = uses - 1 WHERE rule = $1 AND uses > 0",
				args: []any{int64(r.Rule)}, read: rowsAffected(&gotTotal)},
			stmt{what: "give back the client's use",
				sql:  "UPDATE voucher_client_usage SET uses = uses - 1, anon = anon - 1 WHERE rule = $1 AND client = $2 AND anon > 0",
				args: []any{int64(r.Rule), string(r.Client)}, read: rowsAffected(&gotClient)})
		if err == nil && (!gotTotal || !gotClient) {
			return fmt.Errorf("pgstore: releasing voucher rule %d for client %q: %w", r.Rule, r.Client, discount.ErrNotRedeemed)
		}
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, discount.ErrNotRedeemed):
		return err // the database error paths cannot wrap it
	}
	return fmt.Errorf("pgstore: release voucher rule %d: %w", r.Rule, err)
}

// releaseOrder deletes the order's use, then takes it off the counts of
// the rule and of the client who redeemed it.
func releaseOrder(ctx context.Context, t *Tx, r discount.Redemption) error {
	var client string
	found := false
	err := t.roundTrip(ctx, stmt{what: "forget order " + r.Order,
		sql:  "DELETE FROM voucher_order_uses WHERE rule = $1 AND order_id = $2 RETURNING client",
		args: []any{int64(r.Rule), r.Order},
		read: func(br pgx.BatchResults) error {
			err := br.QueryRow().Scan(&client)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			found = err == nil
			return err
		}})
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("pgstore: releasing voucher rule %d for order %q: %w", r.Rule, r.Order, discount.ErrNotRedeemed)
	}
	var gotTotal, gotClient bool
	err = t.roundTrip(ctx,
		stmt{what: "give back a use", sql: "UPDATE voucher_usage SET uses = uses - 1 WHERE rule = $1",
			args: []any{int64(r.Rule)}, read: rowsAffected(&gotTotal)},
		stmt{what: "give back the client's use", sql: "UPDATE voucher_client_usage SET uses = uses - 1 WHERE rule = $1 AND client = $2",
			args: []any{int64(r.Rule), client}, read: rowsAffected(&gotClient)})
	if err == nil && (!gotTotal || !gotClient) {
		// Redeem writes the three rows together: a use without its
		// counts means the tables were edited by hand.
		err = fmt.Errorf("pgstore: voucher rule %d: order %q recorded without its counts", r.Rule, r.Order)
	}
	return err
}

// rowsAffected reads an Exec's result: got is whether it touched one row.
func rowsAffected(got *bool) func(br pgx.BatchResults) error {
	return func(br pgx.BatchResults) error {
		tag, err := br.Exec()
		*got = err == nil && tag.RowsAffected() == 1
		return err
	}
}
