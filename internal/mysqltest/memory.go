// Package mysqltest runs MySQL-compatible servers for tests and local
// development: go-mysql-server in process (MySQL 8 dialect, no external
// database needed) and per-test databases on a real MariaDB/MySQL.
package mysqltest // import "github.com/otelcol-higress/otelcol-higress/internal/mysqltest"

import (
	"fmt"
	"net"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/sirupsen/logrus"
)

// MemoryServer is an in-memory go-mysql-server speaking the MySQL protocol.
// Any user name is accepted without a password; data lives until Close.
// Statements run one at a time (serialHandler), so clients may use any
// number of connections; explicit transactions open on several
// connections at once can still undo each other's commits.
type MemoryServer struct {
	srv  *server.Server
	addr string
	done chan struct{}
}

// StartMemory listens on addr ("127.0.0.1:0" for a random port) and serves
// until Close. databases are created empty up front; clients may create more.
func StartMemory(addr string, databases ...string) (*MemoryServer, error) {
	dbs := make([]sql.Database, 0, len(databases))
	for _, name := range databases {
		db := memory.NewDatabase(name)
		db.EnablePrimaryKeyIndexes()
		dbs = append(dbs, db)
	}
	// go-mysql-server logs every connection through logrus's global
	// logger; only problems are worth seeing in tests and dev runs.
	logrus.SetLevel(logrus.ErrorLevel)
	pro := memory.NewDBProvider(dbs...)
	engine := sqle.NewDefault(pro)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	cfg := server.Config{Protocol: "tcp", Address: ln.Addr().String(), Listener: ln}
	srv, err := server.NewServerWithHandler(cfg, engine, sql.NewContext, memory.NewSessionBuilder(pro), nil, serialize)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("go-mysql-server: %w", err)
	}
	s := &MemoryServer{srv: srv, addr: ln.Addr().String(), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = srv.Start()
	}()
	return s, nil
}

// Addr is host:port.
func (s *MemoryServer) Addr() string { return s.addr }

// DSN is a go-sql-driver DSN for the server with no default database.
func (s *MemoryServer) DSN() string { return "root@tcp(" + s.addr + ")/" }

// Close stops accepting, closes connections and waits for the server.
func (s *MemoryServer) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}
