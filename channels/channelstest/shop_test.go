package channelstest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/azuvio/omnisales/channels"
	"github.com/azuvio/omnisales/channels/channelstest"
)

// Key-set pagination: every order changed after the cursor is listed
// once per change, even when orders change between reads.
func TestListOrdersPagination(t *testing.T) {
	ctx := context.Background()
	s := channelstest.NewShop()
	for i := range 7 {
		s.Add(channelstest.NewOrder(fmt.Sprint(i), "processing", "x@example.com", "A"))
	}
	p1, err := s.ListOrders(ctx, "", 3)
	if err != nil || len(p1.Orders) != 3 || !p1.More || p1.Total != 7 || p1.Orders[0].ID != "0" {
		t.Fatalf("page 1 = %+v, %v", p1, err)
	}
	s.SetStatus("1", "on-hold") // already listed: comes again at the end
	s.SetStatus("5", "on-hold") // not listed yet: moves to the end
	var ids []string
	cur := p1.Next
	for {
		p, err := s.ListOrders(ctx, cur, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Orders {
			ids = append(ids, o.ID)
		}
		cur = p.Next
		if !p.More {
			break
		}
	}
	if got := fmt.Sprint(ids); got != "[3 4 6 1 5]" {
		t.Fatalf("rest = %s", got)
	}
	if p, _ := s.ListOrders(ctx, cur, 3); len(p.Orders) != 0 || p.More || p.Next != cur {
		t.Fatalf("after the end = %+v", p)
	}
	if _, err := s.ListOrders(ctx, "%%%", 3); err == nil {
		t.Fatal("bad cursor accepted")
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	s := channelstest.NewShop()
	s.Add(channelstest.NewOrder("1", "processing", "x@example.com", "A"))
	boom := errors.New("500")
	s.Inject(channelstest.Fault{Op: channelstest.OpList, After: 1, Times: 2, Err: boom})
	s.Inject(channelstest.Fault{Op: channelstest.OpPush})
	var errs []error
	for range 4 {
		_, err := s.ListOrders(ctx, "", 10)
		errs = append(errs, err)
	}
	if errs[0] != nil || !errors.Is(errs[1], boom) || !errors.Is(errs[2], boom) || errs[3] != nil {
		t.Fatalf("list errors = %v", errs)
	}
	if _, err := s.PushStatus(ctx, "1", "completed"); !errors.Is(err, channels.KindUnreachable) || !channels.Transient(err) {
		t.Fatalf("push fault = %v", err)
	}
	res, err := s.PushStatus(ctx, "1", "completed")
	if err != nil || res.Modified.IsZero() {
		t.Fatalf("push = %+v, %v", res, err)
	}
	if o, _ := s.Order("1"); o.Status != "completed" || !o.Modified.Equal(res.Modified) {
		t.Fatalf("order after push = %+v", o)
	}
	if _, err := s.PushStatus(ctx, "nope", "completed"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("push to a missing order: %v", err)
	}
	if _, err := s.GetOrder(ctx, "nope"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatalf("get a missing order: %v", err)
	}
	if s.Calls(channelstest.OpList) != 4 || s.Calls(channelstest.OpPush) != 3 {
		t.Fatalf("calls list %d push %d", s.Calls(channelstest.OpList), s.Calls(channelstest.OpPush))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.ListOrders(cctx, "", 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("done context: %v", err)
	}
}

func TestCatalogueBatchLimit(t *testing.T) {
	ctx := context.Background()
	s := channelstest.NewShop()
	big := make([]channels.CatalogueItem, channelstest.MaxBatch+1)
	if _, err := s.PushCatalogue(ctx, channels.JobStock, big); err == nil {
		t.Fatal("oversized batch accepted")
	}
	s.RejectItem("B", errors.New("invalid sku"))
	res, err := s.PushCatalogue(ctx, channels.JobStock, []channels.CatalogueItem{{SKU: "A", Stock: 3}, {SKU: "B"}})
	if err != nil || len(res) != 2 || res[0].Err != nil || res[1].Err == nil {
		t.Fatalf("results = %+v, %v", res, err)
	}
	if it := s.Items(channels.JobStock); len(it) != 1 || it["A"].Stock != 3 {
		t.Fatalf("items = %+v", it)
	}
}

func TestDirectory(t *testing.T) {
	ctx := context.Background()
	c := channelstest.NewClients()
	a, _ := c.FindOrCreate(ctx, channels.Customer{Email: "Ana@Example.com"})
	b, _ := c.FindOrCreate(ctx, channels.Customer{Email: "ana@example.com"})
	if a.ID == "" || a.ID != b.ID || c.Created() != 1 {
		t.Fatalf("%+v %+v", a, b)
	}
	c.MarkDuplicate("dup@example.com")
	if _, err := c.FindOrCreate(ctx, channels.Customer{Email: "dup@example.com"}); !errors.Is(err, channels.ErrDuplicateClient) {
		t.Fatal(err)
	}
	if _, err := c.FindOrCreate(ctx, channels.Customer{Email: "nope"}); !errors.Is(err, channels.ErrInvalidEmail) {
		t.Fatal(err)
	}
	cat := channelstest.NewCatalogue(channels.Product{SKU: "A"})
	if p, err := cat.ProductBySKU(ctx, "A"); err != nil || p.ID != "A" {
		t.Fatal(p, err)
	}
	if _, err := cat.ProductBySKU(ctx, "Z"); !errors.Is(err, channels.ErrNotFound) {
		t.Fatal(err)
	}
}
