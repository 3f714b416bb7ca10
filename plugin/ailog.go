package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
)

// ai_log is the filter state ai-statistics (and other Higress plugins)
// write: a JSON object escaped like the inside of a JSON string
// (wrapper.MarshalStr), so that it can sit in a quoted access-log field.
// Its values may be large: ai-statistics' value_length_limit is 32000 bytes
// per value by default and 10 MB with use_default_attributes, and content
// keys (question, answer, messages) are whole conversations.
//
// The plugin reads it once, in the log phase, and makes it the entry's
// ai_log in one pass: at most ai_log_max_bytes of valid JSON, never
// decoded whole when it is larger. Members that do not fit are left out,
// the smallest kept first (usage, timing, status keys are a few bytes;
// content keys are the large ones); a string left out is kept cut, ending
// in "[truncated]", when the room left allows; the entry is marked
// ai_log_truncated.

// truncatedMark ends a string value that was cut (ai-statistics marks the
// values it cuts with "[truncated]" too).
const truncatedMark = " [truncated]"

// minCutContent is the least of a cut string worth keeping.
const minCutContent = 32

// maxAILogMembers bounds the members one ai_log may have: beyond it the
// rest is left out (ai-statistics writes a few dozen).
const maxAILogMembers = 1024

// readAILog reads the ai_log filter state and shapes it for the entry.
func readAILog(max int) (out []byte, cut bool) {
	raw, err := proxywasm.GetProperty(propAILog)
	if err != nil || len(raw) == 0 {
		return nil, false
	}
	return shapeAILog(raw, max)
}

// shapeAILog turns the ai_log filter state into at most max bytes of
// valid JSON: the object, or, for something that is not JSON, a string.
// raw is never modified (the host may share it).
func shapeAILog(raw []byte, max int) (out []byte, cut bool) {
	if len(raw) == 0 {
		return nil, false
	}
	// In the escaped form every quote is escaped; JSON written as it is (an
	// older or another sender) starts its first string with a bare quote.
	// Without any quote (a number, true, {}) both read the same.
	q := bytes.IndexByte(raw, '"')
	escaped := q < 0 || (q > 0 && raw[q-1] == '\\')
	// Decoding never lengthens: what is at most max bytes fits whole.
	if len(raw) <= max {
		dec := raw
		if escaped {
			var ok bool
			if dec, _, ok = decodeLimited(nil, raw, true, max); !ok {
				return asJSONString(raw, max)
			}
		}
		if !json.Valid(dec) {
			return asJSONString(raw, max)
		}
		return dec, false
	}
	members, ok := scanMembers(raw, escaped)
	if !ok {
		return asJSONString(raw, max)
	}
	out, cut = selectMembers(raw, escaped, members, max)
	if !json.Valid(out) {
		return asJSONString(raw, max)
	}
	return out, cut
}

// aiMember is one top-level member of ai_log, by its offsets in the
// source: from the key's opening quote to valStart, the value up to end
// (the ',' or '}' after it). The sizes are decoded bytes (an upper bound
// for \u escapes).
type aiMember struct {
	start, valStart, end int
	keySize, size        int
	str                  bool
}

// scanMembers splits a JSON object, escaped or not, into its top-level
// members without decoding it; false when it is not a JSON object.
func scanMembers(src []byte, escaped bool) ([]aiMember, bool) {
	const (
		before = iota
		memberOrEnd
		inKey
		colon
		valueStart
		inValue
		after
	)
	var members []aiMember
	var cur aiMember
	phase, depth := before, 0
	inStr, esc, afterComma := false, false, false
	decoded, curStart := 0, 0 // decoded bytes before the current char; of the current member
	for i := 0; i < len(src); {
		if inStr && !esc {
			// Inside a string only a quote or a backslash matters; in the
			// escaped form both start with a backslash. The bytes up to it
			// decode to themselves.
			j := i
			if escaped {
				if k := bytes.IndexByte(src[i:], '\\'); k >= 0 {
					j += k
				} else {
					j = len(src)
				}
			} else {
				for j < len(src) && src[j] != '"' && src[j] != '\\' {
					j++
				}
			}
			decoded += j - i
			if i = j; i == len(src) {
				break
			}
		}
		c, size, n, ok := readChar(src, i, escaped)
		if !ok {
			return nil, false
		}
		at, dAt := i, decoded
		i, decoded = i+size, decoded+n
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
				if phase == inKey {
					phase = colon
				}
			}
			continue
		}
		if isSpace(c) {
			continue
		}
		switch phase {
		case before:
			if c != '{' {
				return nil, false
			}
			phase, depth = memberOrEnd, 1
		case memberOrEnd:
			switch {
			case c == '"':
				cur = aiMember{start: at}
				curStart = dAt
				phase, inStr = inKey, true
			case c == '}' && !afterComma:
				phase, depth = after, 0
			default:
				return nil, false
			}
		case colon:
			if c != ':' {
				return nil, false
			}
			phase = valueStart
		case valueStart:
			cur.valStart, cur.keySize, cur.str = at, dAt-curStart, c == '"'
			phase = inValue
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			}
		case inValue:
			switch {
			case c == '"':
				inStr = true
			case c == '{' || c == '[':
				depth++
			case (c == '}' || c == ']') && depth > 1:
				depth--
			case depth == 1 && (c == ',' || c == '}'):
				cur.end, cur.size = at, dAt-curStart
				if len(members) < maxAILogMembers {
					members = append(members, cur)
				}
				phase, afterComma = memberOrEnd, c == ','
				if c == '}' {
					phase, depth = after, 0
				}
			case depth == 1 && (c == ']'):
				return nil, false
			}
		case after, inKey:
			return nil, false
		}
	}
	return members, phase == after && !inStr
}

// selectMembers builds an object of at most max bytes from the members
// that fit, smallest first, in their original order; strings left out are
// kept cut while the room allows. cut: not every member is whole.
func selectMembers(src []byte, escaped bool, members []aiMember, max int) (out []byte, cut bool) {
	order := make([]int, len(members))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return members[a].size - members[b].size })
	const (
		left = iota
		whole
		cutString
	)
	keep := make([]uint8, len(members))
	room := max - 2 // the braces
	for _, i := range order {
		if cost := members[i].size + 1; cost <= room {
			keep[i], room = whole, room-cost
		}
	}
	cutRoom := make([]int, len(members))
	for _, i := range order {
		m := members[i]
		content := room - m.keySize - len(truncatedMark) - 3 // quotes and comma
		if keep[i] != left || !m.str || content < minCutContent {
			continue
		}
		keep[i], cutRoom[i] = cutString, content
		room -= m.keySize + content + len(truncatedMark) + 3
	}
	out = make([]byte, 0, max-room)
	out = append(out, '{')
	first := true
	for i, m := range members {
		if keep[i] != whole {
			cut = true
		}
		if keep[i] == left {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out, _, _ = decodeLimited(out, src[m.start:m.valStart], escaped, m.keySize)
		if keep[i] == whole {
			out, _, _ = decodeLimited(out, src[m.valStart:m.end], escaped, m.size-m.keySize)
			continue
		}
		out = appendCutString(out, src[m.valStart:m.end], escaped, cutRoom[i])
	}
	return append(out, '}'), cut
}

// appendCutString appends the first content bytes (at most) of a JSON
// string value, cut between escape sequences and whole characters, then
// the truncation mark and the closing quote.
func appendCutString(dst, value []byte, escaped bool, content int) []byte {
	start := len(dst)
	dst, fits, _ := decodeLimited(dst, value, escaped, content+1) // the opening quote
	if fits {
		return dst // smaller than its estimate (surrogate pairs): whole
	}
	s := dst[start:]
	cut := len(s)
	// An escape sequence is at most 6 bytes: only the last ones may be cut.
	for k := cut - 1; k >= max(1, cut-6); k-- {
		if s[k] != '\\' {
			continue
		}
		run := 1
		for k-run >= 1 && s[k-run] == '\\' {
			run++
		}
		if run%2 == 1 { // s[k] starts an escape sequence
			n := 2
			if k+1 < len(s) && s[k+1] == 'u' {
				n = 6
			}
			if k+n > cut {
				cut = k
			}
		}
		break
	}
	dst = dst[:start+max(1, wholeRunes(s, cut))] // never the opening quote
	dst = append(dst, truncatedMark...)
	return append(dst, '"')
}

// wholeRunes moves a cut of s at n back so that it splits no character.
func wholeRunes(s []byte, n int) int {
	if n < len(s) {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		return n
	}
	r := n
	for r > 0 && n-r < utf8.UTFMax && !utf8.RuneStart(s[r-1]) {
		r--
	}
	if r > 0 && !utf8.FullRune(s[r-1:n]) {
		return r - 1
	}
	return n
}

// asJSONString is an ai_log that is not JSON, sent as a string of at most
// max bytes; the collector keeps it as sent.
func asJSONString(raw []byte, max int) ([]byte, bool) {
	n := min(len(raw), max)
	for {
		n = wholeRunes(raw, n)
		s := string(raw[:n])
		if n < len(raw) {
			s += truncatedMark
		}
		out, _ := json.Marshal(s)
		if len(out) <= max || n == 0 {
			return out, n < len(raw)
		}
		n /= 2
	}
}

// readChar reads the character at src[i]: in the escaped form an escape
// sequence is one character. c is the character when it is ASCII and 0x80
// for any other (none is structural); size is its bytes in src, n an upper
// bound of its decoded bytes.
func readChar(src []byte, i int, escaped bool) (c byte, size, n int, ok bool) {
	b := src[i]
	if !escaped || b != '\\' {
		if b >= utf8.RuneSelf {
			return utf8.RuneSelf, 1, 1, true
		}
		return b, 1, 1, true
	}
	if i+1 >= len(src) {
		return 0, 0, 0, false
	}
	switch e := src[i+1]; e {
	case '"', '\\', '/':
		return e, 2, 1, true
	case 'b':
		return '\b', 2, 1, true
	case 'f':
		return '\f', 2, 1, true
	case 'n':
		return '\n', 2, 1, true
	case 'r':
		return '\r', 2, 1, true
	case 't':
		return '\t', 2, 1, true
	case 'u':
		r, ok := hex4(src, i+2)
		switch {
		case !ok:
			return 0, 0, 0, false
		case r < utf8.RuneSelf:
			return byte(r), 6, 1, true
		case utf16.IsSurrogate(r):
			// A pair decodes to 4 bytes, a lone half to U+FFFD (3).
			return utf8.RuneSelf, 6, 3, true
		default:
			return utf8.RuneSelf, 6, utf8.RuneLen(r), true
		}
	}
	return 0, 0, 0, false
}

// decodeLimited appends src decoded (escapes resolved when escaped) to dst,
// stopping before more than limit bytes were added; fits is false when it
// stopped, ok false on an invalid escape.
func decodeLimited(dst, src []byte, escaped bool, limit int) (out []byte, fits, ok bool) {
	if !escaped {
		if len(src) > limit {
			return append(dst, src[:limit]...), false, true
		}
		return append(dst, src...), true, true
	}
	if dst == nil {
		dst = make([]byte, 0, min(len(src), limit))
	}
	start := len(dst)
	for i := 0; i < len(src); {
		j := i
		for j < len(src) && src[j] != '\\' {
			j++
		}
		if len(dst)-start+(j-i) > limit {
			return append(dst, src[i:i+limit-(len(dst)-start)]...), false, true
		}
		dst = append(dst, src[i:j]...)
		if j == len(src) {
			break
		}
		c, size, _, valid := readChar(src, j, true)
		if !valid {
			return dst, false, false
		}
		var buf [utf8.UTFMax]byte
		enc := buf[:1]
		buf[0] = c
		if src[j+1] == 'u' {
			r, _ := hex4(src, j+2)
			if utf16.IsSurrogate(r) {
				r, size = pairSurrogate(src, j, r)
			}
			enc = buf[:utf8.EncodeRune(buf[:], r)]
		}
		if len(dst)-start+len(enc) > limit {
			return dst, false, true
		}
		dst = append(dst, enc...)
		i = j + size
	}
	return dst, true, true
}

// pairSurrogate decodes the \u escape at src[j] holding the high half r of
// a surrogate pair together with its low half; a lone half is U+FFFD (as
// encoding/json decodes it). size is the source bytes used.
func pairSurrogate(src []byte, j int, r rune) (rune, int) {
	if j+12 <= len(src) && src[j+6] == '\\' && src[j+7] == 'u' {
		if lo, ok := hex4(src, j+8); ok {
			if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
				return pair, 12
			}
		}
	}
	return utf8.RuneError, 6
}

func hex4(src []byte, i int) (rune, bool) {
	if i+4 > len(src) {
		return 0, false
	}
	var r rune
	for _, c := range src[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
