package main

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testCreated = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// fakeWasm is a Wasm module header: the images carry bytes, whatever they are.
var fakeWasm = []byte("\x00asm\x01\x00\x00\x00 a plugin")

// buildFake writes both layouts the way build does, from a stand-in binary
// and wasm, so the image logic is tested without compiling the collector.
func buildFake(t *testing.T, dir string) (binary, cfg []byte) {
	t.Helper()
	binary = []byte("\x7fELF a collector")
	cfg, err := os.ReadFile("../../config/docker.yaml")
	require.NoError(t, err)
	walDir, err := walDirOf(cfg)
	require.NoError(t, err)
	o := buildOptions{version: "1.2.3", revision: "abc", source: "https://example.com/src", created: testCreated}
	plat := &v1.Platform{OS: "linux", Architecture: "amd64"}
	img, err := collectorImage(binary, cfg, walDir, plat, o.labels(), o.created)
	require.NoError(t, err)
	require.NoError(t, writeLayout(layoutDir(dir, collectorName), mustIndex(t, img, plat), o.version))
	plugin, err := pluginImage(fakeWasm, o.pluginLabels(fakeWasm), o.created)
	require.NoError(t, err)
	require.NoError(t, writeLayout(layoutDir(dir, pluginName), plugin, o.version))
	return binary, cfg
}

func TestWALDirIsTheConfigsDefault(t *testing.T) {
	cfg, err := os.ReadFile("../../config/docker.yaml")
	require.NoError(t, err)
	dir, err := walDirOf(cfg)
	require.NoError(t, err)
	assert.Equal(t, "/var/lib/otelcol-higress/wal", dir)
	_, err = walDirOf([]byte("directory: /data"))
	assert.ErrorContains(t, err, "WAL_DIR")
}

// Same inputs, same digests: a rebuild of a commit pushes nothing new.
func TestImagesAreReproducible(t *testing.T) {
	cfg := []byte("directory: ${env:WAL_DIR:-/var/lib/x/wal}")
	plat := &v1.Platform{OS: "linux", Architecture: "arm64"}
	o := buildOptions{version: "1", created: testCreated}
	a, err := collectorImage([]byte("bin"), cfg, "/var/lib/x/wal", plat, o.labels(), o.created)
	require.NoError(t, err)
	b, err := collectorImage([]byte("bin"), cfg, "/var/lib/x/wal", plat, o.labels(), o.created)
	require.NoError(t, err)
	da, _ := a.Digest()
	db, _ := b.Digest()
	assert.Equal(t, da, db)
	cf, _ := a.ConfigFile()
	assert.Equal(t, "arm64", cf.Architecture)
}

// The layouts as written, read back, and pushed to a registry, from which
// the plugin is pulled the way Higress's gateway pulls an oci:// plugin.
func TestBuildPushAndPullLikeHigress(t *testing.T) {
	dir := t.TempDir()
	binary, cfg := buildFake(t, dir)

	c, err := fromLayout(layoutDir(dir, collectorName), "1.2.3")
	require.NoError(t, err)
	idx, ok := c.(v1.ImageIndex)
	require.True(t, ok, "the collector is an index of platforms")
	checkCollector(t, platformImage(t, idx, "linux", "amd64"), binary, cfg, "/var/lib/otelcol-higress/wal", "1.2.3")
	p, err := fromLayout(layoutDir(dir, pluginName), "1.2.3")
	require.NoError(t, err)
	checkPlugin(t, p.(v1.Image), fakeWasm, "1.2.3")
	_, err = fromLayout(layoutDir(dir, pluginName), "9.9.9")
	assert.ErrorContains(t, err, `no image tagged "9.9.9"`)

	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	reg := u.Host + "/team"
	res, err := push(context.Background(), pushOptions{dir: dir, registry: reg, version: "1.2.3", insecure: true})
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, reg+"/otelcol-higress:1.2.3", res[0].ref)
	assert.Equal(t, reg+"/otelcol-higress", res[0].repo)

	// What make push prints is what the README's quick start shows, for the
	// README's registry and with the digests elided.
	var out strings.Builder
	report(&out, res, "1.2.3")
	printed := strings.ReplaceAll(out.String(), u.Host+"/team", "registry.example.com/team")
	printed = regexp.MustCompile(`sha256:[0-9a-f]{64}`).ReplaceAllString(printed, "sha256:…")
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)<!-- quickstart:push-output -->\\s*```\\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, m, "README's quickstart:push-output block")
	want := strings.NewReplacer(":0.1.0", ":1.2.3", "image.tag=0.1.0", "image.tag=1.2.3").Replace(string(m[1]))
	assert.Equal(t, want, printed)

	// Istio's fetcher: remote.Get, then the descriptor's Image().
	ref, err := name.ParseReference(res[1].ref, name.Insecure)
	require.NoError(t, err)
	desc, err := remote.Get(ref)
	require.NoError(t, err)
	img, err := desc.Image()
	require.NoError(t, err)
	checkPlugin(t, img, fakeWasm, "1.2.3")
	d, _ := img.Digest()
	assert.Equal(t, res[1].digest, d.String())

	// The kubelet pulls the collector's index and picks its platform.
	ref, err = name.ParseReference(res[0].ref, name.Insecure)
	require.NoError(t, err)
	img, err = remote.Image(ref, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
	require.NoError(t, err)
	checkCollector(t, img, binary, cfg, "/var/lib/otelcol-higress/wal", "1.2.3")
}

func mustIndex(t *testing.T, img v1.Image, plat *v1.Platform) v1.ImageIndex {
	t.Helper()
	return indexOf([]platImage{{plat, img}})
}

// builtVersion is the tag `make image` gave the plugin's layout.
func builtVersion(t *testing.T, out string) string {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(layoutDir(out, pluginName))
	require.NoError(t, err)
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	require.Len(t, m.Manifests, 1)
	v := m.Manifests[0].Annotations["org.opencontainers.image.ref.name"]
	require.NotEmpty(t, v)
	return v
}

func loadTarball(t *testing.T, path, tag string) v1.Image {
	t.Helper()
	tg, err := name.NewTag(tag)
	require.NoError(t, err)
	img, err := tarball.ImageFromPath(path, &tg)
	require.NoError(t, err)
	return img
}

func platformImage(t *testing.T, idx v1.ImageIndex, os, arch string) v1.Image {
	t.Helper()
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.OS == os && d.Platform.Architecture == arch {
			img, err := idx.Image(d.Digest)
			require.NoError(t, err)
			return img
		}
	}
	t.Fatalf("no %s/%s image in the index", os, arch)
	return nil
}

// TestBuiltArtifacts opens what `make image` wrote (make test runs it
// first): each platform's collector image, its tarball, and the plugin
// image, checked against bin/plugin.wasm and the binaries compiled.
func TestBuiltArtifacts(t *testing.T) {
	const out = "../../bin/images"
	if _, err := os.Stat(layoutDir(out, collectorName)); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("no bin/images: run `make image` (make test does) to check the built images")
		}
		t.Fatal("bin/images is missing: make test runs `make image` before the tests")
	}
	cfg, err := os.ReadFile("../../config/docker.yaml")
	require.NoError(t, err)
	walDir, err := walDirOf(cfg)
	require.NoError(t, err)
	version := builtVersion(t, out)

	c, err := fromLayout(layoutDir(out, collectorName), version)
	require.NoError(t, err)
	idx := c.(v1.ImageIndex)
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	require.NotEmpty(t, m.Manifests)
	for _, d := range m.Manifests {
		plat := d.Platform
		require.NotNil(t, plat)
		t.Run(plat.String(), func(t *testing.T) {
			img, err := idx.Image(d.Digest)
			require.NoError(t, err)
			binary, err := os.ReadFile(filepath.Join(out, "bin", collectorName+"-"+plat.OS+"-"+plat.Architecture))
			require.NoError(t, err)
			assertStatic(t, binary)
			checkCollector(t, img, binary, cfg, walDir, version)
			cf, err := img.ConfigFile()
			require.NoError(t, err)
			assert.Equal(t, plat.Architecture, cf.Architecture)

			tb := loadTarball(t, filepath.Join(out, collectorName+"-"+plat.OS+"-"+plat.Architecture+".tar"), collectorName+":"+version)
			// A docker-load tarball keeps the config and the layers, not the
			// manifest: the same image is the same image ID and layers.
			c1, _ := img.ConfigName()
			c2, _ := tb.ConfigName()
			assert.Equal(t, c1, c2, "the tarball holds the same image")
			l1, _ := img.Layers()
			l2, _ := tb.Layers()
			require.Len(t, l2, len(l1))
			for i := range l1 {
				d1, _ := l1[i].Digest()
				d2, _ := l2[i].Digest()
				assert.Equal(t, d1, d2)
			}
		})
	}

	wasm, err := os.ReadFile("../../bin/plugin.wasm")
	require.NoError(t, err)
	p, err := fromLayout(layoutDir(out, pluginName), version)
	require.NoError(t, err)
	checkPlugin(t, p.(v1.Image), wasm, version)
}
