package accesslog

import (
	"strings"
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

func TestCheckIdent(t *testing.T) {
	for name, ok := range map[string]bool{
		"access_logs":           true,
		"日志":                    true,
		"with`backtick":         true,
		"":                      false,
		" padded":               false,
		"nul\x00":               false,
		strings.Repeat("a", 64): true,
		strings.Repeat("a", 65): false,
		strings.Repeat("日", 64): true,
	} {
		err := CheckIdent("table", name, MaxIdentLen)
		if (err == nil) != ok {
			t.Errorf("CheckIdent(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
