package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"encoding/json"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// validJSON reads a document that holds valid UTF-8 and no surrogate
// escapes (fastSplit checks both) and checks its syntax as it goes: any
// error, or anything unusual, sets bad and the caller hands the body to
// encoding/json, which reports it exactly. Strings without escapes are
// substrings of s: no allocation per value. Whatever it accepts it decodes
// exactly as encoding/json with UseNumber and the accesslog helpers would
// (FuzzFastDecode).
type validJSON struct {
	s     string
	i     int
	depth int
	bad   bool
}

// maxFastDepth: deeper documents take the standard path, which has its own
// limit (10 000) and error for it.
const maxFastDepth = 256

func (p *validJSON) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *validJSON) fail() { p.bad, p.i = true, len(p.s) }

func (p *validJSON) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// expect steps over byte c and the spaces after it.
func (p *validJSON) expect(c byte) {
	if p.peek() != c {
		p.fail()
		return
	}
	p.i++
	p.space()
}

// literal steps over null, true or false.
func (p *validJSON) literal(word string) {
	if !strings.HasPrefix(p.s[p.i:], word) {
		p.fail()
		return
	}
	p.i += len(word)
}

// str reads a string at its opening quote.
func (p *validJSON) str() string {
	if p.peek() != '"' {
		p.fail()
		return ""
	}
	p.i++
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			return s
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			p.fail()
			return ""
		}
		p.i++
	}
	p.fail()
	return ""
}

// escaped finishes a string that has escapes, from its first byte.
func (p *validJSON) escaped(start int) string {
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String()
		case c < 0x20:
			p.fail()
			return ""
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		p.i++
		switch p.peek() {
		case '"', '\\', '/':
			b.WriteByte(p.s[p.i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if p.i+5 > len(p.s) {
				p.fail()
				return ""
			}
			r, err := strconv.ParseUint(p.s[p.i+1:p.i+5], 16, 32)
			if err != nil {
				p.fail()
				return ""
			}
			b.WriteRune(rune(r)) // never a surrogate: fastSplit leaves those out
			p.i += 4
		default:
			p.fail()
			return ""
		}
		p.i++
	}
	p.fail()
	return ""
}

// number reads a number with JSON's grammar and returns its text.
func (p *validJSON) number() string {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	switch c := p.peek(); {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		p.fail()
		return ""
	}
	if p.peek() == '.' {
		p.i++
		if !p.digits() {
			return ""
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if !p.digits() {
			return ""
		}
	}
	return p.s[start:p.i]
}

// digits steps over one or more digits; none is a syntax error.
func (p *validJSON) digits() bool {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == start {
		p.fail()
		return false
	}
	return true
}

// anyValue decodes a value as encoding/json with UseNumber does.
func (p *validJSON) anyValue() any {
	switch p.peek() {
	case '"':
		return p.str()
	case 'n':
		p.literal("null")
		return nil
	case 't':
		p.literal("true")
		return true
	case 'f':
		p.literal("false")
		return false
	case '{':
		m := map[string]any{}
		p.members(func(key string) { m[key] = p.anyValue() })
		return m
	case '[':
		a := []any{}
		p.elements(func() { a = append(a, p.anyValue()) })
		return a
	}
	return json.Number(p.number())
}

// members calls read for each member of the object at p, positioned at
// the member's value; read must consume the value.
func (p *validJSON) members(read func(key string)) {
	p.enter('{')
	for !p.bad && p.peek() != '}' {
		key := p.str()
		p.space()
		p.expect(':')
		if p.bad {
			return
		}
		read(key)
		p.space()
		if p.peek() == ',' {
			p.expect(',')
			if p.peek() != '"' {
				p.fail() // a trailing comma
			}
		} else if p.peek() != '}' {
			p.fail()
		}
	}
	p.leave('}')
}

// elements calls read for each element of the array at p.
func (p *validJSON) elements(read func()) {
	p.enter('[')
	for !p.bad && p.peek() != ']' {
		read()
		p.space()
		if p.peek() == ',' {
			p.expect(',')
			if p.peek() == ']' {
				p.fail() // a trailing comma
			}
		} else if p.peek() != ']' {
			p.fail()
		}
	}
	p.leave(']')
}

func (p *validJSON) enter(open byte) {
	if p.depth++; p.depth > maxFastDepth {
		p.fail()
		return
	}
	p.expect(open)
}

func (p *validJSON) leave(close byte) {
	p.depth--
	if p.peek() != close {
		p.fail()
		return
	}
	p.i++
}

// valueInto stores a value as accesslog.PutJSON stores its decoded form.
func (p *validJSON) valueInto(dst pcommon.Value) {
	switch p.peek() {
	case '"':
		dst.SetStr(p.str())
	case 'n':
		p.literal("null") // JSON null: the value stays empty
	case 't':
		p.literal("true")
		dst.SetBool(true)
	case 'f':
		p.literal("false")
		dst.SetBool(false)
	case '{':
		p.objectInto(dst.SetEmptyMap())
	case '[':
		s := dst.SetEmptySlice()
		p.elements(func() { p.valueInto(s.AppendEmpty()) })
	default:
		text := p.number()
		switch n := accesslog.NumberValue(json.Number(text)).(type) {
		case int64:
			dst.SetInt(n)
		case float64:
			dst.SetDouble(n)
		default:
			dst.SetStr(text)
		}
	}
}

// objectInto stores an object as accesslog.PutJSONMap does (ai_log). A
// repeated key replaces the earlier value, as in a decoded Go map.
func (p *validJSON) objectInto(m pcommon.Map) {
	p.members(func(key string) { p.valueInto(m.PutEmpty(key)) })
}

// stringMapInto stores headers: every value as its text, null as absent.
func (p *validJSON) stringMapInto(m pcommon.Map) {
	p.members(func(key string) {
		switch p.peek() {
		case '"':
			m.PutStr(key, p.str())
		case 'n':
			p.literal("null")
			m.Remove(key)
		case '{', '[', 't', 'f':
			m.PutStr(key, accesslog.Text(p.anyValue()))
		default:
			m.PutStr(key, p.number())
		}
	})
}
