package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/oms"
)

// The sync engine's state (migration 0003): every method is one statement
// on a pooled connection, so its own unit of work, and safe across
// processes. Times keep microsecond precision, as orders do.

var _ channels.Store = (*Store)(nil)

// kindArg is a Kind as a statement argument: NULL for none. A kind that
// channels does not define is refused before the database sees it.
func kindArg(k channels.Kind) (any, error) {
	if k == "" {
		return nil, nil
	}
	if !slices.Contains(channels.RecordKinds(), k) {
		return nil, fmt.Errorf("pgstore: unknown sync kind %q: %w", k, channels.ErrInvalid)
	}
	return string(k), nil
}

// fromNull reads a nullable timestamptz back: NULL is the zero time.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// SyncCursor implements channels.Store.
func (s *Store) SyncCursor(ctx context.Context, shop string, job channels.Job) (string, error) {
	var c string
	err := s.withConn(ctx, func(conn *pgx.Conn) error {
		err := conn.QueryRow(ctx, "SELECT cursor FROM sync_cursors WHERE shop = $1 AND job = $2", shop, string(job)).Scan(&c)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("pgstore: read sync cursor of %s/%s: %w", shop, job, err)
	}
	return c, nil
}

// SetSyncCursor implements channels.Store.
func (s *Store) SetSyncCursor(ctx context.Context, shop string, job channels.Job, cursor string) error {
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO sync_cursors (shop, job, cursor) VALUES ($1, $2, $3)
			ON CONFLICT (shop, job) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`, shop, string(job), cursor)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: store sync cursor of %s/%s: %w", shop, job, err)
	}
	return nil
}

// SyncState implements channels.Store.
func (s *Store) SyncState(ctx context.Context, shop, externalID string) (channels.OrderState, bool, error) {
	st := channels.OrderState{Shop: shop, ExternalID: externalID}
	found := false
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		var modified, pushedAt, syncedAt *time.Time
		err := c.QueryRow(ctx, `SELECT order_id, shop_status, shop_modified, pushed, pushed_at, pushed_event, synced_at
			FROM sync_states WHERE shop = $1 AND external_id = $2`, shop, externalID).
			Scan(&st.OrderID, &st.ShopStatus, &modified, &st.Pushed, &pushedAt, &st.PushedEvent, &syncedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		st.ShopModified, st.PushedAt, st.SyncedAt = fromNull(modified), fromNull(pushedAt), fromNull(syncedAt)
		return nil
	})
	if err != nil {
		return channels.OrderState{}, false, fmt.Errorf("pgstore: read sync state of %s/%s: %w", shop, externalID, err)
	}
	if !found {
		return channels.OrderState{}, false, nil
	}
	return st, true, nil
}

// PutSyncState implements channels.Store.
func (s *Store) PutSyncState(ctx context.Context, st channels.OrderState) error {
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO sync_states (shop, external_id, order_id, shop_status, shop_modified,
				pushed, pushed_at, pushed_event, synced_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (shop, external_id) DO UPDATE SET order_id = EXCLUDED.order_id,
				shop_status = EXCLUDED.shop_status, shop_modified = EXCLUDED.shop_modified, pushed = EXCLUDED.pushed,
				pushed_at = EXCLUDED.pushed_at, pushed_event = EXCLUDED.pushed_event, synced_at = EXCLUDED.synced_at`,
			st.Shop, st.ExternalID, st.OrderID, st.ShopStatus, nullTime(st.ShopModified),
			st.Pushed, nullTime(st.PushedAt), st.PushedEvent, nullTime(st.SyncedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: write sync state of %s/%s: %w", st.Shop, st.ExternalID, err)
	}
	return nil
}

// PutSyncFailure implements channels.Store. The replacement keeps the
// earlier FirstAt inside the upsert, so concurrent writers agree.
func (s *Store) PutSyncFailure(ctx context.Context, f channels.FailedRecord) error {
	kind, err := kindArg(f.Kind)
	if err != nil {
		return err
	}
	var order, item any
	if f.Order != nil {
		b, err := json.Marshal(toOrderDoc(f.Order))
		if err != nil {
			return fmt.Errorf("pgstore: encode failed order %s: %w", f.Key, err)
		}
		order = string(b)
	}
	if f.Item != nil {
		b, err := json.Marshal(toItemDoc(f.Item))
		if err != nil {
			return fmt.Errorf("pgstore: encode failed item %s: %w", f.Key, err)
		}
		item = string(b)
	}
	err = s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO sync_failures AS f (shop, job, key, ext_order, item, kind, message, attempts,
				first_at, last_at)
			VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6::text::sync_kind, $7, $8, $9, $10)
			ON CONFLICT (shop, job, key) DO UPDATE SET ext_order = EXCLUDED.ext_order, item = EXCLUDED.item,
				kind = EXCLUDED.kind, message = EXCLUDED.message, attempts = EXCLUDED.attempts, last_at = EXCLUDED.last_at,
				first_at = CASE WHEN f.first_at IS NOT NULL AND (EXCLUDED.first_at IS NULL OR f.first_at < EXCLUDED.first_at)
					THEN f.first_at ELSE EXCLUDED.first_at END`,
			f.Shop, string(f.Job), f.Key, order, item, kind, f.Message, f.Attempts, nullTime(f.FirstAt), nullTime(f.LastAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: record sync failure %s/%s/%s: %w", f.Shop, f.Job, f.Key, err)
	}
	return nil
}

// DeleteSyncFailure implements channels.Store.
func (s *Store) DeleteSyncFailure(ctx context.Context, shop string, job channels.Job, key string) error {
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "DELETE FROM sync_failures WHERE shop = $1 AND job = $2 AND key = $3", shop, string(job), key)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: clear sync failure %s/%s/%s: %w", shop, job, key, err)
	}
	return nil
}

// SyncFailures implements channels.Store.
func (s *Store) SyncFailures(ctx context.Context, shop string) ([]channels.FailedRecord, error) {
	q := `SELECT shop, job, key, ext_order::text, item::text, coalesce(kind::text, ''), message, attempts, first_at, last_at
		FROM sync_failures`
	var args []any
	if shop != "" {
		q += " WHERE shop = $1"
		args = append(args, shop)
	}
	q += " ORDER BY shop, job, key"
	var out []channels.FailedRecord
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				f           channels.FailedRecord
				job, kind   string
				order, item *string
				first, last *time.Time
				attempts    int32
			)
			if err := rows.Scan(&f.Shop, &job, &f.Key, &order, &item, &kind, &f.Message, &attempts, &first, &last); err != nil {
				return err
			}
			f.Job, f.Kind, f.Attempts = channels.Job(job), channels.Kind(kind), int(attempts)
			f.FirstAt, f.LastAt = fromNull(first), fromNull(last)
			var err error
			if f.Order, err = decodeDoc(order, "order", f.Key, orderDoc.external); err != nil {
				return err
			}
			if f.Item, err = decodeDoc(item, "item", f.Key, itemDoc.item); err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: list sync failures: %w", err)
	}
	return out, nil
}

const runColumns = `shop, job, started, finished, retry, announced, done, imported, updated, unchanged, pushed, skipped,
	failed, err, err_kind`

func runArgs(r *channels.Run) ([]any, error) {
	kind, err := kindArg(r.ErrKind)
	if err != nil {
		return nil, err
	}
	return []any{r.Shop, string(r.Job), r.Started, nullTime(r.Finished), r.Retry, r.Total, r.Done, r.Imported,
		r.Updated, r.Unchanged, r.Pushed, r.Skipped, r.Failed, r.Err, kind}, nil
}

// PutSyncRun implements channels.Store. Replacing a run whose id is not
// in the table (removed by a retention job while it ran) adds it under a
// new id, as memstore does, so the diary keeps it.
func (s *Store) PutSyncRun(ctx context.Context, r *channels.Run) error {
	args, err := runArgs(r)
	if err != nil {
		return err
	}
	const insert = "INSERT INTO sync_runs (" + runColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text::sync_kind) RETURNING id`
	var id int64
	err = s.withConn(ctx, func(c *pgx.Conn) error {
		if r.ID > 0 {
			// One statement: update the row, or insert when there is none.
			return c.QueryRow(ctx, `WITH u AS (UPDATE sync_runs SET (`+runColumns+`) =
					($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text::sync_kind)
					WHERE id = $16 RETURNING id),
				i AS (INSERT INTO sync_runs (`+runColumns+`)
					SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text::sync_kind
					WHERE NOT EXISTS (SELECT FROM u) RETURNING id)
				SELECT id FROM u UNION ALL SELECT id FROM i`, append(args, r.ID)...).Scan(&id)
		}
		return c.QueryRow(ctx, insert, args...).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("pgstore: write sync run of %s/%s: %w", r.Shop, r.Job, err)
	}
	r.ID = id
	return nil
}

// AddSyncRecords implements channels.Store: one INSERT for the batch. Rows
// are inserted in the slice's order, so their identity values ascend with
// it and the sorted RETURNING ids are assigned in that order. A record's
// Duration is kept in whole microseconds (migration 0007), truncated.
func (s *Store) AddSyncRecords(ctx context.Context, recs []channels.Record) error {
	if len(recs) == 0 {
		return ctx.Err()
	}
	n := len(recs)
	runID := make([]int64, n)
	shop, job, key, orderID, outcome, message := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n)
	kind := make([]*string, n)
	at := make([]time.Time, n)
	durUS := make([]int64, n)
	for i, r := range recs {
		k, err := kindArg(r.Kind)
		if err != nil {
			return err
		}
		if k != nil {
			ks := k.(string)
			kind[i] = &ks
		}
		runID[i], shop[i], job[i], key[i], orderID[i] = r.RunID, r.Shop, string(r.Job), r.Key, r.OrderID
		outcome[i], message[i], at[i] = string(r.Outcome), r.Message, r.At
		durUS[i] = r.Duration.Microseconds()
	}
	var ids []int64
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `INSERT INTO sync_records (run_id, shop, job, key, order_id, outcome, kind, message, at, duration_us)
			SELECT run_id, shop, job, key, order_id, outcome, kind::sync_kind, message, at, duration_us
			FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
				$9::timestamptz[], $10::bigint[])
				WITH ORDINALITY AS u(run_id, shop, job, key, order_id, outcome, kind, message, at, duration_us, ord)
			ORDER BY ord
			RETURNING id`, runID, shop, job, key, orderID, outcome, kind, message, at, durUS)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: write %d sync records: %w", n, err)
	}
	if len(ids) != n {
		return fmt.Errorf("pgstore: write %d sync records: %d ids returned", n, len(ids))
	}
	slices.Sort(ids)
	for i := range recs {
		recs[i].ID = ids[i]
	}
	return nil
}

// where collects a parameterised WHERE clause.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, v any) {
	w.args = append(w.args, v)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(w.args))))
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func limitSQL(n int) string {
	if n <= 0 {
		return ""
	}
	return " LIMIT " + strconv.Itoa(n)
}

// SyncRuns implements channels.Store: newest (highest id) first.
func (s *Store) SyncRuns(ctx context.Context, f channels.RunFilter) ([]channels.Run, error) {
	var w where
	if f.Shop != "" {
		w.add("shop = ?", f.Shop)
	}
	if f.Job != "" {
		w.add("job = ?", string(f.Job))
	}
	if !f.From.IsZero() {
		w.add("started >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.add("started < ?", f.To)
	}
	// runColumns ends with err_kind: read as text.
	q := "SELECT id, " + runColumns + "::text FROM sync_runs" + w.sql() + " ORDER BY id DESC" + limitSQL(f.Limit)
	var out []channels.Run
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r                     channels.Run
				job                   string
				kind                  *string
				finished              *time.Time
				total, done, imported int32
				updated, unchanged    int32
				pushed, skipped, fail int32
			)
			if err := rows.Scan(&r.ID, &r.Shop, &job, &r.Started, &finished, &r.Retry, &total, &done, &imported,
				&updated, &unchanged, &pushed, &skipped, &fail, &r.Err, &kind); err != nil {
				return err
			}
			r.Job, r.Started, r.Finished = channels.Job(job), r.Started.UTC(), fromNull(finished)
			r.Total, r.Done, r.Imported, r.Updated = int(total), int(done), int(imported), int(updated)
			r.Unchanged, r.Pushed, r.Skipped, r.Failed = int(unchanged), int(pushed), int(skipped), int(fail)
			if kind != nil {
				r.ErrKind = channels.Kind(*kind)
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: list sync runs: %w", err)
	}
	return out, nil
}

// SyncRecords implements channels.Store: newest (highest id) first. A
// filter on a kind that channels does not define matches nothing.
func (s *Store) SyncRecords(ctx context.Context, f channels.RecordFilter) ([]channels.Record, error) {
	if f.Kind != "" && !slices.Contains(channels.RecordKinds(), f.Kind) {
		return nil, ctx.Err()
	}
	var w where
	if f.Shop != "" {
		w.add("shop = ?", f.Shop)
	}
	if f.Job != "" {
		w.add("job = ?", string(f.Job))
	}
	if f.RunID != 0 {
		w.add("run_id = ?", f.RunID)
		if f.RunID > 0 {
			w.conds = append(w.conds, "run_id <> 0") // lets the partial index serve it
		}
	}
	if f.Key != "" {
		w.add("key = ?", f.Key)
	}
	if f.Outcome != "" {
		w.add("outcome = ?", string(f.Outcome))
	}
	if f.Kind != "" {
		w.add("kind = ?::text::sync_kind", string(f.Kind))
	}
	if !f.From.IsZero() {
		w.add("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.add("at < ?", f.To)
	}
	q := `SELECT id, run_id, shop, job, key, order_id, outcome, coalesce(kind::text, ''), message, at, duration_us
		FROM sync_records` + w.sql() + " ORDER BY id DESC" + limitSQL(f.Limit)
	var out []channels.Record
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r                  channels.Record
				job, outcome, kind string
				durUS              int64
			)
			if err := rows.Scan(&r.ID, &r.RunID, &r.Shop, &job, &r.Key, &r.OrderID, &outcome, &kind, &r.Message, &r.At, &durUS); err != nil {
				return err
			}
			r.Job, r.Outcome, r.Kind, r.At = channels.Job(job), channels.Outcome(outcome), channels.Kind(kind), r.At.UTC()
			r.Duration = time.Duration(durUS) * time.Microsecond
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: list sync records: %w", err)
	}
	return out, nil
}

// SyncEventPushed implements channels.Store.
func (s *Store) SyncEventPushed(ctx context.Context, eventID int64) (bool, error) {
	var ok bool
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT EXISTS (SELECT FROM sync_pushed_events WHERE event_id = $1)", eventID).Scan(&ok)
	})
	if err != nil {
		return false, fmt.Errorf("pgstore: read pushed event %d: %w", eventID, err)
	}
	return ok, nil
}

// MarkSyncEventPushed implements channels.Store.
func (s *Store) MarkSyncEventPushed(ctx context.Context, eventID int64) error {
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "INSERT INTO sync_pushed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING", eventID)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: mark event %d pushed: %w", eventID, err)
	}
	return nil
}

// orderDoc is the jsonb form of a channels.ExternalOrder in a failed
// record: field names of our own (renaming a Go field does not orphan
// stored rows) and amounts as decimal strings, whatever decimal's package
// settings of the host program.
type orderDoc struct {
	ID            string      `json:"id"`
	Number        string      `json:"number,omitempty"`
	Status        string      `json:"status,omitempty"`
	Created       time.Time   `json:"created"`
	Modified      time.Time   `json:"modified"`
	Currency      string      `json:"currency,omitempty"`
	Lines         []lineDoc   `json:"lines"`
	Subtotal      string      `json:"subtotal"`
	Discount      string      `json:"discount"`
	Tax           string      `json:"tax"`
	Total         string      `json:"total"`
	ShippingFee   string      `json:"shipping_fee"`
	ShippingTax   string      `json:"shipping_tax,omitempty"`
	Fees          []feeDoc    `json:"fees,omitempty"`
	PaymentMethod string      `json:"payment_method,omitempty"`
	Customer      customerDoc `json:"customer"`
	Billing       oms.Address `json:"billing"`
	Shipping      oms.Address `json:"shipping"`
	Note          string      `json:"note,omitempty"`
}

type lineDoc struct {
	SKU       string `json:"sku"`
	Name      string `json:"name,omitempty"`
	Quantity  int64  `json:"quantity"`
	Subtotal  string `json:"subtotal"`
	Total     string `json:"total"`
	UnitPrice string `json:"unit_price"`
	Tax       string `json:"tax"`
	TaxRate   string `json:"tax_rate"`
}

type feeDoc struct {
	Name  string `json:"name,omitempty"`
	Total string `json:"total"`
	Tax   string `json:"tax"`
}

type customerDoc struct {
	ExternalID string `json:"external_id,omitempty"`
	Email      string `json:"email,omitempty"`
	Name       string `json:"name,omitempty"`
	Company    string `json:"company,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

// itemDoc is the jsonb form of a channels.CatalogueItem; a null
// sale_price clears the sale.
type itemDoc struct {
	SKU              string     `json:"sku"`
	RegularPrice     string     `json:"regular_price"`
	SalePrice        *string    `json:"sale_price"`
	Stock            int64      `json:"stock"`
	Name             string     `json:"name,omitempty"`
	Description      string     `json:"description,omitempty"`
	ShortDescription string     `json:"short_description,omitempty"`
	Images           []imageDoc `json:"images"`
}

type imageDoc struct {
	URL string `json:"url"`
	Alt string `json:"alt,omitempty"`
}

// decodeDoc decodes a failed record's stored document (nil when the
// column is NULL).
func decodeDoc[D, V any](raw *string, what, key string, value func(D) (V, error)) (*V, error) {
	if raw == nil {
		return nil, nil
	}
	var d D
	if err := json.Unmarshal([]byte(*raw), &d); err != nil {
		return nil, fmt.Errorf("decode failed %s %s: %w", what, key, err)
	}
	v, err := value(d)
	if err != nil {
		return nil, fmt.Errorf("decode failed %s %s: %w", what, key, err)
	}
	return &v, nil
}

func toOrderDoc(x *channels.ExternalOrder) orderDoc {
	d := orderDoc{ID: x.ID, Number: x.Number, Status: x.Status, Created: x.Created, Modified: x.Modified,
		Currency: x.Currency, Subtotal: x.Subtotal.String(), Discount: x.Discount.String(), Tax: x.Tax.String(),
		Total: x.Total.String(), ShippingFee: x.ShippingFee.String(), PaymentMethod: x.PaymentMethod,
		Customer: customerDoc(x.Customer), Billing: x.Billing, Shipping: x.Shipping, Note: x.Note}
	if !x.ShippingTax.IsZero() {
		d.ShippingTax = x.ShippingTax.String()
	}
	for _, f := range x.Fees {
		d.Fees = append(d.Fees, feeDoc{Name: f.Name, Total: f.Total.String(), Tax: f.Tax.String()})
	}
	if x.Lines != nil {
		d.Lines = make([]lineDoc, len(x.Lines))
	}
	for i, l := range x.Lines {
		d.Lines[i] = lineDoc{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, Subtotal: l.Subtotal.String(),
			Total: l.Total.String(), UnitPrice: l.UnitPrice.String(), Tax: l.Tax.String(), TaxRate: l.TaxRate.String()}
	}
	return d
}

// amounts parses decimal strings, keeping the first error.
type amounts struct{ err error }

func (a *amounts) set(dst *decimal.Decimal, s string) {
	if a.err != nil {
		return
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		a.err = fmt.Errorf("amount %q: %w", s, err)
		return
	}
	*dst = d
}

func (d orderDoc) external() (channels.ExternalOrder, error) {
	x := channels.ExternalOrder{ID: d.ID, Number: d.Number, Status: d.Status, Created: d.Created.UTC(),
		Modified: d.Modified.UTC(), Currency: d.Currency, PaymentMethod: d.PaymentMethod,
		Customer: channels.Customer(d.Customer), Billing: d.Billing, Shipping: d.Shipping, Note: d.Note}
	var a amounts
	a.set(&x.Subtotal, d.Subtotal)
	a.set(&x.Discount, d.Discount)
	a.set(&x.Tax, d.Tax)
	a.set(&x.Total, d.Total)
	a.set(&x.ShippingFee, d.ShippingFee)
	if d.ShippingTax != "" { // rows written before fees were kept have none
		a.set(&x.ShippingTax, d.ShippingTax)
	}
	if d.Fees != nil {
		x.Fees = make([]channels.ExternalFee, len(d.Fees))
	}
	for i, f := range d.Fees {
		x.Fees[i].Name = f.Name
		a.set(&x.Fees[i].Total, f.Total)
		a.set(&x.Fees[i].Tax, f.Tax)
	}
	if a.err != nil {
		return channels.ExternalOrder{}, a.err
	}
	if d.Lines != nil {
		x.Lines = make([]channels.ExternalLine, len(d.Lines))
	}
	for i, l := range d.Lines {
		xl := &x.Lines[i]
		xl.SKU, xl.Name, xl.Quantity = l.SKU, l.Name, l.Quantity
		a.set(&xl.Subtotal, l.Subtotal)
		a.set(&xl.Total, l.Total)
		a.set(&xl.UnitPrice, l.UnitPrice)
		a.set(&xl.Tax, l.Tax)
		a.set(&xl.TaxRate, l.TaxRate)
		if a.err != nil {
			return channels.ExternalOrder{}, fmt.Errorf("line %d: %w", i+1, a.err)
		}
	}
	return x, nil
}

func toItemDoc(it *channels.CatalogueItem) itemDoc {
	d := itemDoc{SKU: it.SKU, RegularPrice: it.RegularPrice.String(), Stock: it.Stock, Name: it.Name,
		Description: it.Description, ShortDescription: it.ShortDescription}
	if it.SalePrice.Valid {
		p := it.SalePrice.Decimal.String()
		d.SalePrice = &p
	}
	if it.Images != nil {
		d.Images = make([]imageDoc, len(it.Images))
	}
	for i, im := range it.Images {
		d.Images[i] = imageDoc(im)
	}
	return d
}

func (d itemDoc) item() (channels.CatalogueItem, error) {
	it := channels.CatalogueItem{SKU: d.SKU, Stock: d.Stock, Name: d.Name, Description: d.Description,
		ShortDescription: d.ShortDescription}
	var a amounts
	a.set(&it.RegularPrice, d.RegularPrice)
	if d.SalePrice != nil {
		a.set(&it.SalePrice.Decimal, *d.SalePrice)
		it.SalePrice.Valid = true
	}
	if a.err != nil {
		return channels.CatalogueItem{}, a.err
	}
	if d.Images != nil {
		it.Images = make([]channels.Image, len(d.Images))
	}
	for i, im := range d.Images {
		it.Images[i] = channels.Image(im)
	}
	return it, nil
}
