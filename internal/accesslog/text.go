package accesslog

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CutUTF8 returns at most n bytes of s without splitting a character, so a
// cut value stays valid UTF-8 (MySQL's JSON type and protobuf reject
// anything else). The processor's content policy and the exporter's column
// widths both cut with it.
func CutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// QuoteIdent quotes a MySQL/MariaDB identifier (database, table, column).
// Names come from configuration and the field table; values never go
// through here, they are always placeholders.
func QuoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// MaxIdentLen is MySQL's and MariaDB's identifier limit, in characters.
const MaxIdentLen = 64

// CheckIdent accepts any name MySQL can quote: identifiers always go
// through QuoteIdent, so only emptiness, length and NUL matter. key names
// the setting in the error.
func CheckIdent(key, name string, maxLen int) error {
	switch {
	case name == "":
		return fmt.Errorf("%s must not be empty", key)
	case utf8.RuneCountInString(name) > maxLen:
		return fmt.Errorf("%s %q is longer than %d characters", key, name, maxLen)
	case strings.ContainsRune(name, 0) || strings.TrimSpace(name) != name:
		return fmt.Errorf("%s %q contains NUL or surrounding spaces", key, name)
	}
	return nil
}
