package main

import (
	"context"
	"testing"
)

// The example is documentation that must keep running.
func TestExample(t *testing.T) {
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
