package main

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// bodySniffer finds, in a JSON request body read chunk by chunk as it
// passes, the top-level "model" string of an LLM request and the top-level
// "method" and "params"."name" strings of an MCP JSON-RPC call, wherever
// they are and however the body is split. It keeps a few counters and the
// bytes of the one string it is reading, never the body: the official
// OpenAI clients write "messages" (the long part) before "model".
//
// The first value of a key wins (as with gjson, which db-log-pusher used).
// The scan stops once the model, or a tools/call's tool, is known, and at
// input that is not a JSON object, with what was found.
type bodySniffer struct {
	state sniffState
	depth int
	// skipTo: while > 0, a nested value is being skipped until the
	// position returns to this depth.
	skipTo   int
	inString bool // inside a string of a skipped value or of a literal scan
	escaped  bool // the previous byte was a backslash inside a string
	inParams bool // the depth-2 object is the value of top-level "params"

	key      sniffKey // the member whose value comes next
	strIsKey bool     // the string being read is a member name
	keep     bool     // the string being read is kept in buf
	buf      []byte   // the string being read, as sent (escapes included)
	overflow bool     // buf would have exceeded maxSniffString

	model, method, tool string
	found               sniffKey // bit set of the values found
	done                bool
}

type sniffState uint8

const (
	sniffStart      sniffState = iota // before the top-level '{'
	sniffMemberName                   // expecting a member name or '}'
	sniffColon                        // expecting ':'
	sniffValue                        // expecting a value
	sniffString                       // inside a string of the object being read
	sniffLiteral                      // inside a number, true, false or null
	sniffAfterValue                   // expecting ',' or the end of the object
	sniffSkip                         // inside a nested value nobody needs
)

// sniffKey names the members the sniffer looks at (a bit set for found).
type sniffKey uint8

const (
	keyOther  sniffKey = 0
	keyModel  sniffKey = 1 << iota // top level
	keyMethod                      // top level
	keyParams                      // top level
	keyName                        // inside params
)

// maxSniffString bounds a kept string: model and tool names are short
// (their columns hold 255 characters); a longer one is not a name.
const maxSniffString = 512

// feed reads one chunk.
func (s *bodySniffer) feed(chunk []byte) {
	for i := 0; i < len(chunk) && !s.done; i++ {
		c := chunk[i]
		switch s.state {
		case sniffSkip:
			i += s.skip(chunk[i:]) - 1
		case sniffString:
			i += s.readString(chunk[i:]) - 1
		case sniffLiteral:
			if isSpace(c) || c == ',' || c == '}' || c == ']' {
				s.state = sniffAfterValue
				i-- // the delimiter is read in the new state
			}
		default:
			s.structural(c)
		}
	}
}

// structural reads one byte of the object being read (top level or params)
// outside strings.
func (s *bodySniffer) structural(c byte) {
	if isSpace(c) {
		return
	}
	switch s.state {
	case sniffStart:
		if c != '{' {
			s.done = true
			return
		}
		s.depth, s.state = 1, sniffMemberName
	case sniffMemberName:
		switch c {
		case '"':
			s.startString(true, true)
		case '}':
			s.closeObject()
		default:
			s.done = true
		}
	case sniffColon:
		if c != ':' {
			s.done = true
			return
		}
		s.state = sniffValue
	case sniffValue:
		s.value(c)
	case sniffAfterValue:
		switch c {
		case ',':
			s.state = sniffMemberName
		case '}':
			s.closeObject()
		default:
			s.done = true
		}
	}
}

// value starts the value of member s.key.
func (s *bodySniffer) value(c byte) {
	switch c {
	case '"':
		s.startString(false, s.wants(s.key))
	case '{':
		s.depth++
		if s.depth == 2 && s.key == keyParams {
			s.inParams, s.state = true, sniffMemberName
			return
		}
		s.skipTo, s.state = s.depth-1, sniffSkip
	case '[':
		s.depth++
		s.skipTo, s.state = s.depth-1, sniffSkip
	default:
		s.state = sniffLiteral
	}
}

func (s *bodySniffer) closeObject() {
	s.depth--
	if s.depth == 0 {
		s.done = true
		return
	}
	s.inParams, s.state = false, sniffAfterValue
}

// wants says whether the value of member k is kept.
func (s *bodySniffer) wants(k sniffKey) bool {
	return k != keyOther && k != keyParams && s.found&k == 0
}

func (s *bodySniffer) startString(isKey, keep bool) {
	s.state, s.strIsKey, s.keep = sniffString, isKey, keep
	s.escaped, s.overflow = false, false
	s.buf = s.buf[:0]
}

// readString reads a string of the object being read and returns the
// bytes it consumed.
func (s *bodySniffer) readString(b []byte) int {
	end, esc := stringEnd(b, s.escaped)
	if end < 0 {
		s.escaped = esc
		s.keepBytes(b)
		return len(b)
	}
	s.escaped = false
	s.keepBytes(b[:end])
	s.endString()
	return end + 1
}

// stringEnd finds the closing quote of a JSON string in b, whose first byte
// is escaped when esc: a quote closes the string unless an odd run of
// backslashes (counting esc) precedes it. It returns the quote's index, or
// -1 and whether the byte after b is escaped. Quotes are found with
// bytes.IndexByte: long prompts are scanned at memory speed.
func stringEnd(b []byte, esc bool) (int, bool) {
	from := 0
	for {
		k := bytes.IndexByte(b[from:], '"')
		if k < 0 {
			return -1, escapes(b, from, len(b), esc)
		}
		k += from
		if !escapes(b, from, k, esc) {
			return k, false
		}
		from, esc = k+1, false
	}
}

// escapes says whether the byte at b[end] is escaped, given the run of
// backslashes before it down to from (b[from] is escaped when esc).
func escapes(b []byte, from, end int, esc bool) bool {
	run := 0
	for end-run > from && b[end-run-1] == '\\' {
		run++
	}
	odd := run%2 == 1
	if end-run == from {
		return esc != odd
	}
	return odd
}

func (s *bodySniffer) keepBytes(b []byte) {
	if !s.keep || s.overflow {
		return
	}
	if len(s.buf)+len(b) > maxSniffString {
		s.overflow = true
		return
	}
	s.buf = append(s.buf, b...)
}

func (s *bodySniffer) endString() {
	if s.strIsKey {
		s.key = s.memberKey()
		s.state = sniffColon
		return
	}
	s.state = sniffAfterValue
	if !s.keep || s.overflow {
		return
	}
	v, ok := decodeJSONString(s.buf)
	if !ok {
		return
	}
	switch s.key {
	case keyModel:
		s.model = v
	case keyMethod:
		s.method = v
	case keyName:
		s.tool = v
	}
	s.found |= s.key
	s.done = s.complete()
}

// memberKey identifies the member name just read.
func (s *bodySniffer) memberKey() sniffKey {
	if s.overflow {
		return keyOther
	}
	name, ok := decodeJSONString(s.buf)
	if !ok {
		return keyOther
	}
	if s.inParams {
		if name == "name" {
			return keyName
		}
		return keyOther
	}
	switch name {
	case "model":
		return keyModel
	case "method":
		return keyMethod
	case "params":
		return keyParams
	}
	return keyOther
}

// complete: an LLM request once its model is known; an MCP tools/call once
// its tool is. Anything else is read to its end (JSON-RPC calls are
// small), so that a model after a "method" is still found.
func (s *bodySniffer) complete() bool {
	return s.found&keyModel != 0 || (s.method == "tools/call" && s.found&keyName != 0)
}

// skip reads a nested value nobody needs, only its strings and brackets,
// and returns the bytes it consumed.
func (s *bodySniffer) skip(b []byte) int {
	for i := 0; i < len(b); i++ {
		if s.inString {
			end, esc := stringEnd(b[i:], s.escaped)
			if end < 0 {
				s.escaped = esc
				return len(b)
			}
			s.inString, s.escaped = false, false
			i += end
			continue
		}
		switch c := b[i]; c {
		case '"':
			s.inString = true
		case '{', '[':
			s.depth++
		case '}', ']':
			s.depth--
			if s.depth == s.skipTo {
				s.skipTo, s.state = 0, sniffAfterValue
				return i + 1
			}
		}
	}
	return len(b)
}

// decodeJSONString decodes the inside of a JSON string as encoding/json
// does (invalid UTF-8 becomes U+FFFD); without escapes that is the bytes
// themselves.
func decodeJSONString(raw []byte) (string, bool) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw), true
	}
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	var v string
	if json.Unmarshal(quoted, &v) != nil {
		return "", false
	}
	return v, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
