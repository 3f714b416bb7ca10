package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/x509"
	"debug/elf"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileInImage is one regular file or directory of an image's layers.
type fileInImage struct {
	hdr  *tar.Header
	data []byte
}

// files flattens the image's layers (later layers win; these images delete
// nothing, so there are no whiteouts).
func files(t *testing.T, img v1.Image) map[string]fileInImage {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	out := map[string]fileInImage{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		require.NoError(t, err)
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			out["/"+filepath.Clean(h.Name)] = fileInImage{hdr: h, data: data}
		}
		require.NoError(t, rc.Close())
	}
	return out
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// checkCollector: static binary as entrypoint with the baked-in config,
// nonroot, the write-ahead log's directory a volume that nonroot owns, CA
// roots where Go looks, OCI media types and labels.
func checkCollector(t *testing.T, img v1.Image, binary, cfg []byte, walDir, version string) {
	t.Helper()
	m, err := img.Manifest()
	require.NoError(t, err)
	assert.Equal(t, types.OCIManifestSchema1, m.MediaType)
	assert.Equal(t, types.OCIConfigJSON, m.Config.MediaType)
	require.Len(t, m.Layers, 4, "base, log directory, binary, configuration")
	for _, l := range m.Layers {
		assert.Equal(t, types.OCILayer, l.MediaType)
	}

	cf, err := img.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, []string{"/otelcol-higress"}, cf.Config.Entrypoint)
	assert.Equal(t, []string{"--config=/etc/otelcol-higress/config.yaml"}, cf.Config.Cmd)
	assert.Equal(t, "65532:65532", cf.Config.User)
	assert.Equal(t, map[string]struct{}{walDir: {}}, cf.Config.Volumes)
	assert.Contains(t, cf.Config.ExposedPorts, "8080/tcp")
	assert.Equal(t, version, cf.Config.Labels["org.opencontainers.image.version"])
	for _, k := range []string{"title", "description", "revision", "source", "created"} {
		assert.NotEmpty(t, cf.Config.Labels["org.opencontainers.image."+k], k)
	}
	assert.Equal(t, cf.Config.Labels, m.Annotations, "the labels are the manifest's annotations too")

	fs := files(t, img)
	bin := fs["/otelcol-higress"]
	require.NotNil(t, bin.hdr, "/otelcol-higress")
	assert.Equal(t, sha(binary), sha(bin.data), "the binary built")
	assert.EqualValues(t, 0o755, bin.hdr.Mode)
	assert.Equal(t, cfg, fs["/etc/otelcol-higress/config.yaml"].data)

	wal := fs[walDir]
	require.NotNil(t, wal.hdr, walDir)
	assert.Equal(t, byte(tar.TypeDir), wal.hdr.Typeflag)
	assert.Equal(t, 65532, wal.hdr.Uid, "nonroot writes the log")
	assert.Equal(t, 65532, wal.hdr.Gid)
	assert.Contains(t, string(fs["/etc/passwd"].data), "nonroot:x:65532:65532:")
	assert.EqualValues(t, 0o1777, fs["/tmp"].hdr.Mode)

	pool := x509.NewCertPool()
	n := 0
	for rest := fs["/etc/ssl/certs/ca-certificates.crt"].data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		require.NoError(t, err)
		pool.AddCert(c)
		n++
	}
	assert.Greater(t, n, 100, "Mozilla's roots")
}

// assertStatic: a Go binary without cgo has no program interpreter, so it
// runs in an image without a libc.
func assertStatic(t *testing.T, binary []byte) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(binary))
	require.NoError(t, err)
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "dynamically linked")
	}
}

// extractLikeIstio reads plugin.wasm out of a plugin image the way Istio's
// Wasm image fetcher does, which Higress's gateway uses for oci:// plugin
// URLs (istio pkg/wasm/imagefetcher.go: a manifest that is not Docker's
// goes to extractOCIStandardImage: the LAST layer, media type
// application/vnd.oci.image.layer.v1.tar+gzip, gunzipped and untarred,
// the entry whose base name is plugin.wasm).
func extractLikeIstio(t *testing.T, img v1.Image) []byte {
	t.Helper()
	m, err := img.Manifest()
	require.NoError(t, err)
	require.NotEqual(t, types.DockerManifestSchema2, m.MediaType)
	layers, err := img.Layers()
	require.NoError(t, err)
	require.NotEmpty(t, layers)
	l := layers[len(layers)-1]
	mt, err := l.MediaType()
	require.NoError(t, err)
	require.Equal(t, types.OCILayer, mt)
	rc, err := l.Compressed()
	require.NoError(t, err)
	defer rc.Close()
	gz, err := gzip.NewReader(rc)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		require.NoError(t, err, "plugin.wasm not found in the archive")
		if filepath.Base(h.Name) == "plugin.wasm" {
			b, err := io.ReadAll(tr)
			require.NoError(t, err)
			return b
		}
	}
}

func checkPlugin(t *testing.T, img v1.Image, wasm []byte, version string) {
	t.Helper()
	m, err := img.Manifest()
	require.NoError(t, err)
	assert.Equal(t, types.OCIManifestSchema1, m.MediaType)
	require.Len(t, m.Layers, 1, "one layer holding plugin.wasm")
	got := extractLikeIstio(t, img)
	assert.Equal(t, sha(wasm), sha(got), "the wasm's checksum")
	assert.Equal(t, []byte("\x00asm"), got[:4], "a Wasm module")
	assert.Equal(t, sha(wasm), m.Annotations[wasmSHA256Label])
	assert.Equal(t, version, m.Annotations["org.opencontainers.image.version"])
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "wasm", cf.Architecture)
	assert.Empty(t, cf.Config.Entrypoint, "nothing to run: a file for the gateway")
}
