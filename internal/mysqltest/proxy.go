package mysqltest // import "github.com/otelcol-higress/otelcol-higress/internal/mysqltest"

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
)

// Proxy is a TCP proxy between a client and a database that a test can
// break on purpose: refuse connections (database down), cut every open
// connection, or let a statement through and swallow its acknowledgement
// (the commit happened, the client never hears of it).
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	conns   map[*proxyConn]struct{}
	down    bool
	dropAck []byte

	// cutMarker/cutEvery: see CutEvery.
	cutMarker []byte
	cutEvery  int64
	cutSeen   int64

	// AcksDropped counts acknowledgements swallowed (DropNextAck, CutEvery).
	AcksDropped atomic.Int64
	// Cuts counts connections cut before a marked packet reached the server.
	Cuts atomic.Int64
	wg   sync.WaitGroup
}

type proxyConn struct {
	client, server net.Conn
	swallow        atomic.Bool
	once           sync.Once
}

func (c *proxyConn) close() {
	c.once.Do(func() {
		_ = c.client.Close()
		_ = c.server.Close()
	})
}

// NewProxy listens on 127.0.0.1 (random port) and forwards to target.
func NewProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[*proxyConn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetDown makes the proxy close every connection, existing and new, until
// SetDown(false): to the client the database is unreachable.
func (p *Proxy) SetDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
	if down {
		p.CutAll()
	}
}

// CutAll closes every open connection mid-stream.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	conns := make([]*proxyConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// DropNextAck arms the proxy: the next client packet containing marker is
// delivered to the database, and the database's reply is swallowed and the
// connection closed.
func (p *Proxy) DropNextAck(marker string) {
	p.mu.Lock()
	p.dropAck = []byte(marker)
	p.mu.Unlock()
}

// CutEvery breaks every nth client packet containing marker, alternating
// between cutting the connection before the packet reaches the database
// (the statement never ran) and swallowing the database's reply (it ran,
// the client never hears of it). Unlike cuts on a timer, the statements in
// between always get through, so progress does not depend on speed.
// n <= 0 turns it off.
func (p *Proxy) CutEvery(marker string, n int) {
	p.mu.Lock()
	p.cutMarker, p.cutEvery, p.cutSeen = []byte(marker), int64(n), 0
	p.mu.Unlock()
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.CutAll()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			_ = client.Close()
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		c := &proxyConn{client: client, server: server}
		p.mu.Lock()
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.upstream(c)
		go p.downstream(c)
	}
}

// upstream copies client → server, arming the swallow before the marked
// packet is forwarded so that the reply cannot slip through.
func (p *Proxy) upstream(c *proxyConn) {
	p.pump(c, c.client, c.server, func(b []byte) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.dropAck != nil && bytes.Contains(b, p.dropAck) {
			p.dropAck = nil
			c.swallow.Store(true)
		}
		if p.cutEvery > 0 && bytes.Contains(b, p.cutMarker) {
			p.cutSeen++
			if p.cutSeen%p.cutEvery == 0 {
				if (p.cutSeen/p.cutEvery)%2 == 1 {
					p.Cuts.Add(1)
					return false
				}
				c.swallow.Store(true)
			}
		}
		return true
	})
}

// downstream copies server → client, unless the reply is to be swallowed.
func (p *Proxy) downstream(c *proxyConn) {
	p.pump(c, c.server, c.client, func([]byte) bool {
		if c.swallow.Load() {
			p.AcksDropped.Add(1)
			return false
		}
		return true
	})
}

// pump copies from → to while pass lets each read through, then closes
// the connection.
func (p *Proxy) pump(c *proxyConn, from, to net.Conn, pass func([]byte) bool) {
	defer p.wg.Done()
	defer p.forget(c)
	buf := make([]byte, 64<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 && !pass(buf[:n]) {
			return
		}
		if n > 0 {
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) forget(c *proxyConn) {
	c.close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}
