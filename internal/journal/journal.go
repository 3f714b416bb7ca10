// Package journal is a durable queue of records on a storage extension
// (file_storage). Appends that arrive while a transaction is being written
// are written together in the next one, so concurrent senders share one
// fsync, and removals ride along in the same transactions; records are
// handed out and read back in batches. The decoded form of a record is kept
// in memory up to a bound, so in the usual case nothing is read back from
// disk.
package journal // import "github.com/otelcol-higress/otelcol-higress/internal/journal"

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

var (
	// ErrFull is returned by Append while the journal holds its maximum
	// size: the sender should come back later.
	ErrFull = errors.New("journal is full")
	// ErrClosed is returned once Close has been called.
	ErrClosed = errors.New("journal is closed")
)

// Config bounds a journal.
type Config struct {
	// MaxBytes is the most stored record bytes; Append fails with ErrFull
	// beyond it.
	MaxBytes int64
	// MemoryBytes is how many stored bytes' worth of records keep their
	// decoded value in memory; the others are read back when taken.
	MemoryBytes int64
	// CommitLinger is how long a commit waits, once an append started a
	// group, for more appends to join it (0: none). Every commit costs the
	// same fsyncs and page writes whatever its size, so with many
	// concurrent small appends a short wait makes fewer, bigger commits.
	CommitLinger time.Duration
}

// Entry is one record. Value is the decoded form when Cached; otherwise
// the record must be read back with Read.
type Entry[T any] struct {
	Seq    uint64
	Size   int64
	Value  T
	Cached bool
}

// Journal is a durable FIFO of records. It is safe for concurrent use.
type Journal[T any] struct {
	client storage.Client
	cfg    Config

	mu        sync.Mutex
	closed    bool
	nextSeq   uint64
	count     int   // records appended and not yet removed
	stored    int64 // their bytes
	cached    int64 // bytes of records whose value is in memory
	gathering *group[T]
	removals  []*storage.Operation // deletes not yet written
	ready     []Entry[T]           // written, not yet taken
	// readyBytes is the stored size of ready; readySince is when ready
	// last went from empty to not empty.
	readyBytes int64
	readySince time.Time

	commitWake chan struct{} // an append started a group
	removeWake chan struct{} // removals are pending
	readyWake  chan struct{}
	emptyWake  chan struct{} // the last record was removed
	stop       chan struct{}
	wg         sync.WaitGroup
}

type group[T any] struct {
	ops     []*storage.Operation
	entries []Entry[T]
	done    chan struct{}
	err     error
}

// Open reads what a previous run left in client (oldest first, not
// cached) and starts the writer. client must support storage.Walker.
func Open[T any](ctx context.Context, client storage.Client, cfg Config) (*Journal[T], error) {
	walker, ok := client.(storage.Walker)
	if !ok {
		return nil, errors.New("the storage extension cannot list its keys (storage.Walker); use file_storage")
	}
	j := &Journal[T]{
		client:     client,
		cfg:        cfg,
		commitWake: make(chan struct{}, 1),
		removeWake: make(chan struct{}, 1),
		readyWake:  make(chan struct{}, 1),
		emptyWake:  make(chan struct{}, 1),
		stop:       make(chan struct{}),
	}
	err := walker.Walk(ctx, func(key string, value []byte) ([]*storage.Operation, error) {
		seq, ok := parseKey(key)
		if !ok {
			return nil, nil
		}
		j.ready = append(j.ready, Entry[T]{Seq: seq, Size: int64(len(value))})
		j.count++
		j.stored += int64(len(value))
		j.nextSeq = max(j.nextSeq, seq+1)
		return nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	slices.SortFunc(j.ready, func(a, b Entry[T]) int { return cmp.Compare(a.Seq, b.Seq) })
	j.readyBytes, j.readySince = j.stored, time.Now()
	if len(j.ready) > 0 {
		j.readyWake <- struct{}{}
	}
	j.wg.Add(1)
	go j.writeLoop()
	return j, nil
}

// Len returns the number of records and bytes in the journal, taken ones
// included until they are removed.
func (j *Journal[T]) Len() (records int, bytes int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.count, j.stored
}

// Append stores data and returns once it is written (fsynced when the
// storage is). value is the decoded form handed out by Take. An error
// means the record may not be stored and will not be handed out by this
// run, except a context error: then it may still be written and handed
// out.
func (j *Journal[T]) Append(ctx context.Context, data []byte, value T) error {
	size := int64(len(data))
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	if j.stored+size > j.cfg.MaxBytes && j.stored > 0 {
		j.mu.Unlock()
		return ErrFull
	}
	seq := j.nextSeq
	j.nextSeq++
	j.count++
	j.stored += size
	g := j.gathering
	if g == nil {
		g = &group[T]{done: make(chan struct{})}
		j.gathering = g
		signal(j.commitWake)
	}
	g.ops = append(g.ops, storage.SetOperation(key(seq), data))
	g.entries = append(g.entries, Entry[T]{Seq: seq, Size: size, Value: value})
	j.mu.Unlock()

	select {
	case <-g.done:
		return g.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// removalDelay is how long removals wait for an append to share its
// transaction before they are written alone.
const removalDelay = 100 * time.Millisecond

// writeLoop writes the gathering group and the pending removals, one
// transaction at a time. Removals alone wait removalDelay for an append
// to carry them.
func (j *Journal[T]) writeLoop() {
	defer j.wg.Done()
	var removalsDue <-chan time.Time
	for {
		select {
		case <-j.stop:
			j.write(true)
			return
		case <-j.commitWake:
			j.linger()
		case <-j.removeWake:
			if removalsDue == nil {
				removalsDue = time.After(removalDelay)
			}
			continue
		case <-removalsDue:
		}
		removalsDue = nil
		j.write(false)
	}
}

// linger lets more appends join the gathering group; a stop ends it
// early, and the group is still written.
func (j *Journal[T]) linger() {
	if j.cfg.CommitLinger <= 0 {
		return
	}
	t := time.NewTimer(j.cfg.CommitLinger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-j.stop:
	}
}

// write runs one transaction: the pending removals and the gathering
// group. closing: the group fails with ErrClosed unwritten, and only the
// removals are written, so that the next Open does not hand those records
// out again.
func (j *Journal[T]) write(closing bool) {
	j.mu.Lock()
	g := j.gathering
	j.gathering = nil
	ops := j.removals
	removals := len(ops)
	j.removals = nil
	j.mu.Unlock()
	if g != nil && !closing {
		ops = append(ops, g.ops...)
	}
	var err error
	if len(ops) > 0 {
		err = j.client.Batch(context.Background(), ops...)
	}
	if err != nil && removals > 0 && len(ops) > removals {
		// A full storage refuses the appends; the deletes alone free
		// space, so they must not wait for an append that cannot succeed.
		if j.client.Batch(context.Background(), ops[:removals]...) == nil {
			removals = 0
		}
	}
	if err != nil && removals > 0 {
		// Deletes are retried with the next transaction; the records
		// they remove are already accounted for as gone.
		j.mu.Lock()
		j.removals = append(ops[:removals:removals], j.removals...)
		j.mu.Unlock()
		signal(j.removeWake)
	}
	if g != nil {
		g.err = err
		if closing {
			g.err = ErrClosed
		}
		j.committed(g)
		close(g.done)
	}
}

// committed makes a written group available to Take, keeping values in
// memory while the memory budget allows; a failed group gives its bytes
// back.
func (j *Journal[T]) committed(g *group[T]) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if g.err != nil {
		for _, e := range g.entries {
			j.count--
			j.stored -= e.Size
		}
		j.signalEmpty()
		return
	}
	if len(j.ready) == 0 {
		j.readySince = time.Now()
	}
	for _, e := range g.entries {
		j.readyBytes += e.Size
		if j.cached+e.Size <= j.cfg.MemoryBytes {
			j.cached += e.Size
			e.Cached = true
		} else {
			var zero T
			e.Value = zero
		}
		j.ready = append(j.ready, e)
	}
	signal(j.readyWake)
}

// Batch bounds what Take hands out: at least one record, then up to
// MaxEntries records and MaxBytes stored bytes. While fewer than MinBytes
// are ready, Take waits for more, up to MaxWait after the first of them was
// written.
type Batch struct {
	MaxEntries         int
	MinBytes, MaxBytes int64
	MaxWait            time.Duration
}

// Take hands out records from the head of the queue, waiting while it is
// empty or holds less than b.MinBytes (up to b.MaxWait). Taken records stay
// stored until Remove.
func (j *Journal[T]) Take(ctx context.Context, b Batch) ([]Entry[T], error) {
	for {
		j.mu.Lock()
		if j.closed {
			j.mu.Unlock()
			return nil, ErrClosed
		}
		n := len(j.ready)
		wait := b.MaxWait - time.Since(j.readySince)
		if n > 0 && (j.readyBytes >= b.MinBytes || n >= b.MaxEntries || wait <= 0) {
			out := j.takeLocked(b)
			j.mu.Unlock()
			return out, nil
		}
		j.mu.Unlock()
		var flush <-chan time.Time
		if n > 0 {
			flush = time.After(wait)
		}
		select {
		case <-j.readyWake:
		case <-flush:
		case <-j.stop:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (j *Journal[T]) takeLocked(b Batch) []Entry[T] {
	n := len(j.ready)
	take, size := 1, j.ready[0].Size
	for take < n && take < b.MaxEntries && size+j.ready[take].Size <= b.MaxBytes {
		size += j.ready[take].Size
		take++
	}
	out := slices.Clone(j.ready[:take])
	clear(j.ready[:take])
	j.ready = j.ready[take:]
	j.readyBytes -= size
	if len(j.ready) > 0 {
		j.readySince = time.Now()
		signal(j.readyWake)
	}
	return out
}

// Read returns the stored bytes of entries, in order, in one transaction.
// A record missing from the storage comes back nil.
func (j *Journal[T]) Read(ctx context.Context, entries []Entry[T]) ([][]byte, error) {
	ops := make([]*storage.Operation, len(entries))
	for i, e := range entries {
		ops[i] = storage.GetOperation(key(e.Seq))
	}
	if err := j.client.Batch(ctx, ops...); err != nil {
		return nil, err
	}
	out := make([][]byte, len(entries))
	for i, op := range ops {
		out[i] = op.Value
	}
	return out, nil
}

// Remove deletes taken entries. The deletes are written with the next
// transaction (an append's, or on their own after a short wait), so
// removing costs no fsync of its own; a crash before then hands the
// records out again after Open.
func (j *Journal[T]) Remove(entries []Entry[T]) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range entries {
		j.removals = append(j.removals, storage.DeleteOperation(key(e.Seq)))
		j.count--
		j.stored -= e.Size
		if e.Cached {
			j.cached -= e.Size
		}
	}
	signal(j.removeWake)
	j.signalEmpty()
}

// WaitEmpty returns once every record has been removed (true), or when
// ctx ends first (false).
func (j *Journal[T]) WaitEmpty(ctx context.Context) bool {
	for {
		if n, _ := j.Len(); n == 0 {
			return true
		}
		select {
		case <-j.emptyWake:
		case <-ctx.Done():
			return false
		}
	}
}

// signalEmpty wakes WaitEmpty when the journal holds nothing; called with
// mu held.
func (j *Journal[T]) signalEmpty() {
	if j.count == 0 {
		signal(j.emptyWake)
	}
}

// Close writes the pending removals and stops the writer; appends waiting
// for it fail with ErrClosed and Take returns ErrClosed. Records not
// removed stay in the storage for the next Open. It does not close the
// storage client.
func (j *Journal[T]) Close() {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return
	}
	j.closed = true
	j.mu.Unlock()
	close(j.stop)
	j.wg.Wait()
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Keys are fixed-width hex so that the storage's byte order is the
// sequence order.
const keyPrefix = "rec-"

func key(seq uint64) string {
	return fmt.Sprintf("%s%016x", keyPrefix, seq)
}

func parseKey(k string) (uint64, bool) {
	if len(k) != len(keyPrefix)+16 || k[:len(keyPrefix)] != keyPrefix {
		return 0, false
	}
	seq, err := strconv.ParseUint(k[len(keyPrefix):], 16, 64)
	return seq, err == nil
}
