package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// durations are the only part of the story that changes from run to run.
var durations = regexp.MustCompile(`(\d+h)?(\d+m)?\d+(\.\d+)?(ns|µs|ms|s)\b`)

// The example is documentation that must keep running and keep telling the
// same story: what was imported, which diary kinds failed and how many,
// what the retry fixed, the status pushed once, and the morning check over
// both windows. Only durations are normalised; the progress line is split
// at its carriage returns.
func TestExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	got := durations.ReplaceAllString(strings.ReplaceAll(out.String(), "\r", "\n"), "T")
	var progress strings.Builder
	for i := 20; i <= 320; i += 20 {
		errs := 0
		if i > 300 {
			errs = i - 300
		}
		progress.WriteString("   ro orders: " + strconv.Itoa(i) + "/325 records, " + strconv.Itoa(errs) + " errors, T\n")
	}
	want := `1. Three nights ago: import the shop's orders (the site fails 15% of requests; the client retries)
` + "\n" + progress.String() + `   ro orders: 325/325 records, 25 errors, T
   run 1: 325 read, 300 imported, 25 failed in T
   diary: product SKU not found        12  [#301 #302 #303 #304 #305 …]
   diary: client not created            8  [#313 #314 #315 #316 #317 …]
   diary: status not mapped             5  [#321 #322 #323 #324 #325]

2. Today: the operator creates product LAMP-NEW in the CRM and retries the failed records

   ro orders: 20/25 records, 8 errors, T
   ro orders: 25/25 records, 13 errors, T
   retry run 2: 12 imported, 13 still failing

3. An operator cancels an imported order; the status goes back to the site
   order 3 (WooCommerce #3) is now Cancelled (8)
   the site now shows #3 as "cancelled" (pushes received: [cancelled])

4. Morning check (diary_sync)
   shop ro, open failures 13
   last 24 h:   1 runs, 12 imported, 0 updated, 1 pushed, 13 errors
      client not created: 8
      status not mapped: 5
   last 7 days:  2 runs, 312 imported, 0 updated, 1 pushed, 38 errors
      client not created: 16
      product SKU not found: 12
      status not mapped: 10
`
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("line %d:\n got %q\nwant %q", i+1, g, w)
			}
		}
		t.Fatalf("the story changed; whole output:\n%s", out.String())
	}
}
