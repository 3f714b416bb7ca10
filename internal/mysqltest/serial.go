package mysqltest

import (
	"context"
	"sync"

	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
)

// serialHandler runs one statement at a time. go-mysql-server's memory
// tables are not safe for concurrent sessions: every session keeps the
// table data it read when its statement began and, at commit, puts it
// back as the table (memory.Session.CommitTransaction) — also after a
// plain SELECT. A statement overlapping another's commit so undoes it:
// rows inserted by one connection vanish when another connection's read
// or retention DELETE commits (flaky tests under load, a /tail missing a
// row that was committed). Statements include their autocommit, so each
// one now starts from the previous one's result. A statement that waits
// (SLEEP, GET_LOCK with a timeout) holds up every connection meanwhile.
type serialHandler struct {
	mysql.Handler
	mu sync.Mutex
}

var _ server.HandlerWrapper = serialize

func serialize(h mysql.Handler) (mysql.Handler, error) { return &serialHandler{Handler: h}, nil }

func (h *serialHandler) ComInitDB(c *mysql.Conn, schemaName string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Handler.ComInitDB(c, schemaName)
}

func (h *serialHandler) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Handler.ComQuery(ctx, c, query, callback)
}

func (h *serialHandler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Handler.ComMultiQuery(ctx, c, query, callback)
}

func (h *serialHandler) ComPrepare(ctx context.Context, c *mysql.Conn, query string, prepare *mysql.PrepareData) ([]*querypb.Field, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Handler.ComPrepare(ctx, c, query, prepare)
}

func (h *serialHandler) ComStmtExecute(ctx context.Context, c *mysql.Conn, prepare *mysql.PrepareData, callback func(*sqltypes.Result) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Handler.ComStmtExecute(ctx, c, prepare, callback)
}

func (h *serialHandler) ComResetConnection(c *mysql.Conn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Handler.ComResetConnection(c)
}
