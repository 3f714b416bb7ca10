package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	gmssql "github.com/dolthub/go-mysql-server/sql"
	"github.com/go-sql-driver/mysql"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// config/production.yaml runs as shipped except for TLS (the test MariaDB
// has none; the exporter's TLS setting is tested with the exporter): ingest
// refuses requests without the bearer token, the write-ahead log lives in
// WAL_DIR, rows land once, and health_check answers.
func TestProductionConfigAuthLogAndRows(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	walDir := t.TempDir()
	t.Setenv("MYSQL_DSN", db.DSN)
	t.Setenv("INGEST_TOKEN", "s3cret-token")
	t.Setenv("WAL_DIR", walDir)

	addr, health := freeAddr(t), freeAddr(t)
	startCollector(t, "file:../../config/production.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:extensions::health_check::endpoint: "+health,
		"yaml:exporters::mysqlaccesslog::tls::insecure: true")

	e := aiEntry("prod-unauth", "qwen-max", "team-a", "r", 1, 2)
	assert.Equal(t, http.StatusUnauthorized, postEntry(t, addr, "", e), "no token")
	assert.Equal(t, http.StatusUnauthorized, postEntry(t, addr, "wrong", e), "wrong token")

	const n = 5
	for i := range n {
		postEntries(t, addr, "s3cret-token", aiEntry(fmt.Sprintf("prod-%d", i), "qwen-max", "team-a", "r", 1, 2))
	}
	var rows map[string][]accessRow
	require.Eventually(t, func() bool {
		rows = rowsByRequestID(t, db)
		return len(rows) == n
	}, time.Minute, 50*time.Millisecond)
	for id, r := range rows {
		assert.Len(t, r, 1, id)
	}
	assert.NotContains(t, rows, "prod-unauth")

	// The log's file is in WAL_DIR.
	files, err := os.ReadDir(walDir)
	require.NoError(t, err)
	assert.NotEmpty(t, files, "no write-ahead log file in WAL_DIR")

	resp, err := http.Get("http://" + health + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// config/docker.yaml, the image's default: the plugin's POST without a
// token, on "/" or /ingest, lands in access_logs.
func TestDockerConfigDropIn(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	t.Setenv("MYSQL_DSN", db.DSN)
	t.Setenv("WAL_DIR", t.TempDir())
	addr := freeAddr(t)
	startCollector(t, "file:../../config/docker.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:extensions::health_check::endpoint: "+freeAddr(t))

	postEntries(t, addr, "", aiEntry("docker-1", "qwen-max", "team-a", "r", 1, 2))
	resp, err := http.Post("http://"+addr+"/", "application/json",
		strings.NewReader(`{"request_id":"docker-2","method":"GET","path":"/","authority":"a","protocol":"HTTP/1.1"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	require.Eventually(t, func() bool {
		rows := rowsByRequestID(t, db)
		return len(rows["docker-1"]) == 1 && len(rows["docker-2"]) == 1
	}, time.Minute, 50*time.Millisecond)
}

// config/docker.yaml is durable: a POST answered 200 while MySQL is
// unreachable stays in WAL_DIR across a stop, and the next start writes it.
func TestDockerConfigKeepsAcknowledgedBodiesAcrossRestart(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	t.Setenv("WAL_DIR", t.TempDir())
	down, err := mysql.ParseDSN(db.DSN)
	require.NoError(t, err)
	down.Addr = freeAddr(t) // nobody listens there
	t.Setenv("MYSQL_DSN", down.FormatDSN())

	addr := freeAddr(t)
	uris := []string{"file:../../config/docker.yaml",
		"yaml:receivers::higresslog::endpoint: " + addr,
		"yaml:extensions::health_check::endpoint: " + freeAddr(t),
		// Stop at once instead of trying to write for 10 s.
		"yaml:receivers::higresslog::wal::drain_timeout: 100ms"}
	first := startCollector(t, uris...)
	postEntries(t, addr, "", aiEntry("kept-1", "qwen-max", "team-a", "r", 1, 2), aiEntry("kept-2", "qwen-max", "team-a", "r", 3, 4))
	first.Shutdown()
	assert.Nil(t, rowsByRequestID(t, db), "nothing could be written while MySQL was away")

	t.Setenv("MYSQL_DSN", db.DSN)
	startCollector(t, uris...)
	require.Eventually(t, func() bool {
		rows := rowsByRequestID(t, db)
		return len(rows["kept-1"]) == 1 && len(rows["kept-2"]) == 1
	}, time.Minute, 50*time.Millisecond)
}

// config/production.yaml with nothing relaxed, against a MySQL-protocol
// server that refuses connections without TLS (go-mysql-server in process,
// certificate from a test CA): the exporter verifies the server with
// MYSQL_CA_FILE and the rows land.
func TestProductionConfigTLSToMySQL(t *testing.T) {
	caPEM, serverTLS := testPKI(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, caPEM, 0o600))
	addr := startTLSOnlyMySQL(t, serverTLS, "higress")

	t.Setenv("MYSQL_DSN", "root@tcp("+addr+")/higress")
	t.Setenv("MYSQL_CA_FILE", caFile)
	t.Setenv("MYSQL_SERVER_NAME", "mysql.test")
	t.Setenv("INGEST_TOKEN", "s3cret-token")
	t.Setenv("WAL_DIR", t.TempDir())

	ingest := freeAddr(t)
	startCollector(t, "file:../../config/production.yaml",
		"yaml:receivers::higresslog::endpoint: "+ingest,
		"yaml:extensions::health_check::endpoint: "+freeAddr(t))
	postEntries(t, ingest, "s3cret-token", aiEntry("tls-1", "qwen-max", "team-a", "r", 1, 2))

	// Read back over TLS as well: the server accepts nothing else.
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(caPEM))
	require.NoError(t, mysql.RegisterTLSConfig("otelcol-test-ca", &tls.Config{RootCAs: roots, ServerName: "mysql.test", MinVersion: tls.VersionTLS12}))
	t.Cleanup(func() { mysql.DeregisterTLSConfig("otelcol-test-ca") })
	db, err := sql.Open("mysql", "root@tcp("+addr+")/higress?tls=otelcol-test-ca")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.Eventually(t, func() bool {
		var n int
		err := db.QueryRow("SELECT COUNT(*) FROM access_logs WHERE request_id = 'tls-1'").Scan(&n)
		return err == nil && n == 1
	}, time.Minute, 50*time.Millisecond)

	// And a plaintext client is refused.
	plain, err := sql.Open("mysql", "root@tcp("+addr+")/higress")
	require.NoError(t, err)
	defer plain.Close()
	assert.Error(t, plain.Ping())
}

// startTLSOnlyMySQL serves an in-memory MySQL-protocol database that
// requires TLS, until the test ends.
func startTLSOnlyMySQL(t *testing.T, tlsCfg *tls.Config, database string) string {
	t.Helper()
	logrus.SetLevel(logrus.ErrorLevel)
	mdb := memory.NewDatabase(database)
	mdb.EnablePrimaryKeyIndexes()
	pro := memory.NewDBProvider(mdb)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := server.Config{Protocol: "tcp", Address: ln.Addr().String(), Listener: ln,
		TLSConfig: tlsCfg, RequireSecureTransport: true}
	srv, err := server.NewServer(cfg, sqle.NewDefault(pro), gmssql.NewContext, memory.NewSessionBuilder(pro), nil)
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Start()
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// testPKI makes a CA and a server certificate for mysql.test signed by it.
func testPKI(t *testing.T) (caPEM []byte, server *tls.Config) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "otelcol-higress test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "mysql.test"},
		DNSNames:  []string{"mysql.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		&tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}
