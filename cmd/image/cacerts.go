package main

import (
	"bytes"
	"encoding/pem"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// caBundle is the PEM file the image keeps at /etc/ssl/certs/ca-certificates.crt,
// where Go's crypto/x509 looks on Linux (TLS to MySQL, OTLP, Kafka…). The
// roots are Mozilla's NSS store as the Go team ships it in a module that
// go.sum pins, so the image does not depend on the build machine's
// certificates. Roots NSS trusts only with a constraint a PEM file cannot
// carry (distrust after a date) are left out, as a PEM-reading client
// could not apply it.
func caBundle() []byte {
	var b bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
	}
	return b.Bytes()
}
