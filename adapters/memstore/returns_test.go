package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/azuvio/omnisales/adapters/memstore"
	"github.com/azuvio/omnisales/oms"
	"github.com/azuvio/omnisales/returns"
	"github.com/azuvio/omnisales/returns/returnstest"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestReturnsConformance(t *testing.T) {
	returnstest.Run(t, func(t *testing.T) returns.Store { return memstore.New() })
}

func placed(t *testing.T, s *memstore.Store) oms.Order {
	t.Helper()
	svc, err := oms.NewService(s, oms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := svc.Place(context.Background(), oms.System("t"), oms.NewOrder{
		Channel: oms.ChannelRef{Type: oms.ChannelManual, ID: 1}, Client: oms.Client{ID: "c1"}, Currency: "RON",
		Lines: []oms.Line{{ProductID: "A", Quantity: 2, UnitPrice: decimal.NewFromInt(10)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

type state struct {
	Order     oms.Order
	Returns   []returns.Return
	Refunds   []returns.Refund
	Stock     []returns.StockEntry
	Level     int64
	Reversals []returns.LoyaltyReversal
	Earned    int64
}

func read(t *testing.T, s *memstore.Store, id string) state {
	t.Helper()
	ctx := context.Background()
	var st state
	err := s.DoReturns(ctx, func(tx returns.Tx) error {
		var err error
		if st.Order, err = tx.Get(ctx, id); err != nil {
			return err
		}
		if st.Returns, err = tx.Returns(ctx, returns.Filter{}); err != nil {
			return err
		}
		if st.Refunds, err = tx.Refunds(ctx, id); err != nil {
			return err
		}
		if st.Stock, err = tx.StockEntries(ctx, returns.StockFilter{}); err != nil {
			return err
		}
		if st.Level, err = tx.StockLevel(ctx, "A"); err != nil {
			return err
		}
		if st.Reversals, err = tx.LoyaltyReversals(ctx, id); err != nil {
			return err
		}
		st.Earned, err = tx.LoyaltyEarned(ctx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// write makes one of every returns write plus an order update.
func write(ctx context.Context, tx returns.Tx, o oms.Order) (returns.Return, error) {
	r := returns.Return{OrderID: o.ID, Items: []returns.Item{{ProductID: "A", Quantity: 1}}, RequestedAt: time.Unix(1, 0)}
	if err := tx.InsertReturn(ctx, &r); err != nil {
		return r, err
	}
	r.Approval = returns.Approved
	if err := tx.UpdateReturn(ctx, &r); err != nil {
		return r, err
	}
	if err := tx.AddRefund(ctx, &returns.Refund{OrderID: o.ID, Amount: decimal.NewFromInt(5)}); err != nil {
		return r, err
	}
	rc := returns.Receipt{ReturnID: r.ID, Lines: []returns.ReceiptLine{{ProductID: "A", Quantity: 1}}}
	if err := tx.AddReceipt(ctx, &rc); err != nil {
		return r, err
	}
	if err := tx.Restock(ctx, &returns.StockEntry{ProductID: "A", Quantity: 1, ReturnID: r.ID, ReceiptID: rc.ID}); err != nil {
		return r, err
	}
	if err := tx.AddLoyaltyReversal(ctx, &returns.LoyaltyReversal{OrderID: o.ID, ReturnID: r.ID, Points: 3}); err != nil {
		return r, err
	}
	o.Notes = "changed"
	return r, tx.Update(ctx, &o)
}

func TestReturnsWritesRollBackWithTheOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memstore.New()
	o := placed(t, s)
	if err := s.EarnLoyalty(ctx, o.ID, 10); err != nil {
		t.Fatal(err)
	}
	before := read(t, s, o.ID)
	boom := errors.New("boom")
	err := s.DoReturns(ctx, func(tx returns.Tx) error {
		if _, err := write(ctx, tx, o); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if diff := cmp.Diff(before, read(t, s, o.ID)); diff != "" {
		t.Fatalf("rolled-back unit of work left (-before +after):\n%s", diff)
	}
	// Ids are reused after a rollback and everything commits together.
	var r returns.Return
	err = s.DoReturns(ctx, func(tx returns.Tx) error {
		var err error
		r, err = write(ctx, tx, o)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	after := read(t, s, o.ID)
	if r.ID != "RET-000001" || r.Version != 2 || after.Level != 1 || len(after.Refunds) != 1 || after.Refunds[0].ID != "RF-000001" ||
		len(after.Reversals) != 1 || after.Order.Notes != "changed" || after.Earned != 10 {
		t.Errorf("committed state: %+v (return %+v)", after, r)
	}
	rc, err := getReceipt(s, after.Stock[0].ReceiptID)
	if err != nil || rc.ReturnID != r.ID {
		t.Errorf("receipt %+v %v", rc, err)
	}
}

func getReceipt(s *memstore.Store, id string) (returns.Receipt, error) {
	var rc returns.Receipt
	err := s.DoReturns(context.Background(), func(tx returns.Tx) error {
		var err error
		rc, err = tx.GetReceipt(context.Background(), id)
		return err
	})
	return rc, err
}

func TestReturnsRecordsContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memstore.New()
	err := s.DoReturns(ctx, func(tx returns.Tx) error {
		if _, err := tx.GetReturn(ctx, "nope"); !errors.Is(err, returns.ErrNotFound) {
			t.Errorf("missing return: %v", err)
		}
		if _, err := tx.GetReceipt(ctx, "nope"); !errors.Is(err, returns.ErrNotFound) {
			t.Errorf("missing receipt: %v", err)
		}
		r := returns.Return{OrderID: "o1"}
		if err := tx.InsertReturn(ctx, &r); err != nil {
			return err
		}
		dup := returns.Return{ID: r.ID}
		if err := tx.InsertReturn(ctx, &dup); !errors.Is(err, oms.ErrDuplicate) {
			t.Errorf("duplicate id: %v", err)
		}
		stale := r
		if err := tx.UpdateReturn(ctx, &r); err != nil {
			return err
		}
		if err := tx.UpdateReturn(ctx, &stale); !errors.Is(err, oms.ErrConflict) {
			t.Errorf("stale update: %v", err)
		}
		if err := tx.UpdateReturn(ctx, &returns.Return{ID: "nope"}); !errors.Is(err, returns.ErrNotFound) {
			t.Errorf("update missing: %v", err)
		}
		// Records are copies: changing what was read changes nothing.
		got, _ := tx.GetReturn(ctx, r.ID)
		got.Items = append(got.Items, returns.Item{Quantity: 9})
		again, _ := tx.GetReturn(ctx, r.ID)
		if len(again.Items) != 0 {
			t.Error("stored record shares memory with a read copy")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
