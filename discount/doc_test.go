package discount_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageDocsInDocGo: the package comment of discount and of its
// sub-packages lives in doc.go, and only there, so go doc shows one text
// and readers know where to find it.
func TestPackageDocsInDocGo(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{".", "discounttest"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case f.Doc != nil && name != "doc.go":
				t.Errorf("%s: package comment in %s, want it in doc.go", dir, name)
			case f.Doc != nil:
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no package comment in doc.go", dir)
		}
	}
}
