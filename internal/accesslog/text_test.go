package accesslog

import (
	"testing"
	"unicode/utf8"
)

func TestCutUTF8(t *testing.T) {
	s := "a中b"
	for n := 0; n <= len(s)+1; n++ {
		got := CutUTF8(s, n)
		if !utf8.ValidString(got) || len(got) > n {
			t.Fatalf("CutUTF8(%q, %d) = %q", s, n, got)
		}
	}
}

func TestQuoteIdent(t *testing.T) {
	if got := QuoteIdent("a`b"); got != "`a``b`" {
		t.Fatalf("QuoteIdent = %s", got)
	}
}
