package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import "unsafe"

// newTextArena sizes the first block for a batch of rows rows.
func newTextArena(rows int) textArena {
	return textArena{next: min(max(rows*256, 1<<10), textBlock)}
}

// textArena copies short texts built in a scratch buffer (ai_log JSON,
// numbers and times into text columns) into shared blocks instead of one
// allocation each. A string made from a block keeps it alive; blocks are
// never written where a string points.
type textArena struct {
	block []byte
	next  int // size of the next block; 0 for textBlock
}

const (
	textBlock = 16 << 10
	maxShared = 2 << 10 // longer texts get their own allocation
)

func (a *textArena) copy(p []byte) string {
	if len(p) == 0 || len(p) > maxShared {
		return string(p)
	}
	if cap(a.block)-len(a.block) < len(p) {
		size := a.next
		if size == 0 {
			size = textBlock
		}
		a.block = make([]byte, 0, max(size, len(p)))
		a.next = textBlock
	}
	start := len(a.block)
	a.block = append(a.block, p...)
	return unsafe.String(&a.block[start], len(p))
}
