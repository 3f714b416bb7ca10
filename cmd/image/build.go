package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// What the images are called and where things are in them.
const (
	collectorName = "otelcol-higress"
	pluginName    = "otelcol-log-pusher"

	binaryPath = "/otelcol-higress"
	configPath = "/etc/otelcol-higress/config.yaml"
	caPath     = "/etc/ssl/certs/ca-certificates.crt"
	// pluginFile is the file Istio's Wasm image fetcher (used by Higress)
	// looks for in the image's last layer (pkg/wasm/imagefetcher.go,
	// wasmPluginFileName).
	pluginFile = "plugin.wasm"

	// nonroot is distroless's nonroot user and group, which the Helm chart's
	// securityContext (runAsUser 65532, fsGroup 65532) also names.
	nonroot = 65532
)

// exposedPorts: ingest and /health (8080), health_check (13133) and the
// collector's own metrics (8888) of config/docker.yaml.
var exposedPorts = []string{"8080/tcp", "13133/tcp", "8888/tcp"}

type buildOptions struct {
	out, version, plugin, config, pkg, gobin, source, revision string
	platforms                                                  []string
	created                                                    time.Time
}

type artifact struct{ name, digest, path string }

// layoutDir is the OCI layout of an image under out.
func layoutDir(out, image string) string { return filepath.Join(out, image) }

func build(ctx context.Context, o buildOptions) ([]artifact, error) {
	cfg, err := os.ReadFile(o.config)
	if err != nil {
		return nil, err
	}
	walDir, err := walDirOf(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.config, err)
	}
	wasm, err := os.ReadFile(o.plugin)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make plugin` first)", err)
	}
	if err := os.RemoveAll(o.out); err != nil {
		return nil, err
	}
	binDir := filepath.Join(o.out, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return nil, err
	}
	labels := o.labels()

	var images []platImage
	var out []artifact
	for _, p := range o.platforms {
		plat, err := v1.ParsePlatform(strings.TrimSpace(p))
		if err != nil {
			return nil, err
		}
		bin := filepath.Join(binDir, collectorName+"-"+plat.OS+"-"+plat.Architecture)
		if err := compile(ctx, o, plat, bin); err != nil {
			return nil, err
		}
		binary, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		img, err := collectorImage(binary, cfg, walDir, plat, labels, o.created)
		if err != nil {
			return nil, err
		}
		tarPath := filepath.Join(o.out, collectorName+"-"+plat.OS+"-"+plat.Architecture+".tar")
		tag, err := name.NewTag(collectorName + ":" + o.version)
		if err != nil {
			return nil, err
		}
		// A tarball per platform for `docker load`, `kind load image-archive`
		// or `ctr images import`.
		if err := tarball.WriteToFile(tarPath, tag, img); err != nil {
			return nil, err
		}
		d, _ := img.Digest()
		out = append(out, artifact{collectorName + " " + plat.String(), d.String(), tarPath})
		images = append(images, platImage{plat, img})
	}
	idx := mutate.Annotations(indexOf(images), labels).(v1.ImageIndex)
	if err := writeLayout(layoutDir(o.out, collectorName), idx, o.version); err != nil {
		return nil, err
	}
	d, _ := idx.Digest()
	out = append(out, artifact{collectorName, d.String(), layoutDir(o.out, collectorName)})

	plugin, err := pluginImage(wasm, o.pluginLabels(wasm), o.created)
	if err != nil {
		return nil, err
	}
	if err := writeLayout(layoutDir(o.out, pluginName), plugin, o.version); err != nil {
		return nil, err
	}
	d, _ = plugin.Digest()
	out = append(out, artifact{pluginName, d.String(), layoutDir(o.out, pluginName)})
	return out, nil
}

// platImage is one platform's collector image.
type platImage struct {
	plat *v1.Platform
	img  v1.Image
}

// indexOf is the OCI index of the platforms' images, which a registry
// serves under one tag and from which each node pulls its own.
func indexOf(images []platImage) v1.ImageIndex {
	adds := make([]mutate.IndexAddendum, len(images))
	for i, p := range images {
		adds[i] = mutate.IndexAddendum{Add: p.img, Descriptor: v1.Descriptor{Platform: p.plat}}
	}
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
}

// compile builds a static collector for the platform.
func compile(ctx context.Context, o buildOptions, plat *v1.Platform, out string) error {
	cmd := exec.CommandContext(ctx, o.gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, o.pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+plat.OS, "GOARCH="+plat.Architecture)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build for %s: %w", plat, err)
	}
	return nil
}

// walDirRE finds the write-ahead log's default directory in the image's
// configuration: directory: ${env:WAL_DIR:-/var/lib/…}.
var walDirRE = regexp.MustCompile(`\$\{env:WAL_DIR:-([^}]+)\}`)

// walDirOf is the directory the configuration keeps its log in, which the
// image makes a volume writable by nonroot.
func walDirOf(cfg []byte) (string, error) {
	m := walDirRE.FindSubmatch(cfg)
	if m == nil {
		return "", fmt.Errorf("no ${env:WAL_DIR:-<default>} directory: the image's volume is that default")
	}
	return string(m[1]), nil
}

// parents are the directories leading to p (not p), outermost first.
func parents(p string) []string {
	var out []string
	for d := filepath.Dir(p); d != "/" && d != "."; d = filepath.Dir(d) {
		out = append([]string{d}, out...)
	}
	return out
}

func collectorImage(binary, cfg []byte, walDir string, plat *v1.Platform, labels map[string]string, created time.Time) (v1.Image, error) {
	rel := func(p string) string { return strings.TrimPrefix(p, "/") }
	dir := func(p string, mode int64, owner int) entry {
		return entry{path: rel(p), dir: true, mode: mode, uid: owner, gid: owner}
	}
	file := func(p string, mode int64, data []byte) entry { return entry{path: rel(p), mode: mode, data: data} }

	// The files distroless/static gives a Go program: users (for the
	// numeric nonroot user to have a name and home), host lookup order,
	// CA roots, a /tmp.
	base := []entry{
		dir("/etc", 0o755, 0),
		file("/etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")),
		file("/etc/group", 0o644, []byte("root:x:0:\nnonroot:x:65532:\n")),
		file("/etc/nsswitch.conf", 0o644, []byte("hosts: files dns\n")),
		dir("/etc/ssl", 0o755, 0), dir("/etc/ssl/certs", 0o755, 0),
		file(caPath, 0o644, caBundle()),
		dir("/home", 0o755, 0), dir("/home/nonroot", 0o700, nonroot),
		dir("/tmp", 0o1777, 0),
	}
	var wal []entry
	for _, d := range parents(walDir) {
		wal = append(wal, dir(d, 0o755, 0))
	}
	wal = append(wal, dir(walDir, 0o750, nonroot))
	app := []entry{file(binaryPath, 0o755, binary)}
	conf := []entry{dir(filepath.Dir(configPath), 0o755, 0), file(configPath, 0o644, cfg)}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	// Least to most often changed, so a rebuild re-pushes only the top.
	for _, entries := range [][]entry{base, wal, app, conf} {
		l, err := layer(entries, created)
		if err != nil {
			return nil, err
		}
		if img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "cmd/image"}}); err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = plat.OS, plat.Architecture, plat.Variant
	cf.Created = v1.Time{Time: created}
	cf.Config = v1.Config{
		User:         strconv.Itoa(nonroot) + ":" + strconv.Itoa(nonroot),
		Entrypoint:   []string{binaryPath},
		Cmd:          []string{"--config=" + configPath},
		Env:          []string{"PATH=/", "SSL_CERT_FILE=" + caPath},
		WorkingDir:   "/",
		Volumes:      map[string]struct{}{walDir: {}},
		ExposedPorts: map[string]struct{}{},
		Labels:       labels,
	}
	for _, p := range exposedPorts {
		cf.Config.ExposedPorts[p] = struct{}{}
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	return mutate.Annotations(img, labels).(v1.Image), nil
}

// pluginImage is the Wasm plugin as Higress pulls it: an OCI image whose one
// layer (tar+gzip) holds plugin.wasm, the "compat" variant that Istio's
// fetcher reads from the last layer, and what Higress's own plugin images
// are (its build workflow pushes plugin.tar.gz as
// application/vnd.oci.image.layer.v1.tar+gzip).
func pluginImage(wasm []byte, labels map[string]string, created time.Time) (v1.Image, error) {
	l, err := layer([]entry{{path: pluginFile, mode: 0o644, data: wasm}}, created)
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "cmd/image"}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "wasip1", "wasm"
	cf.Created = v1.Time{Time: created}
	cf.Config = v1.Config{Labels: labels}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}
	return mutate.Annotations(img, labels).(v1.Image), nil
}

// writeLayout writes an image or index as a fresh OCI layout, tagged.
func writeLayout(dir string, a mutate.Appendable, version string) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	opt := layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": version})
	switch x := a.(type) {
	case v1.ImageIndex:
		return p.AppendIndex(x, opt)
	case v1.Image:
		return p.AppendImage(x, opt)
	}
	return fmt.Errorf("cannot write %T", a)
}

func (o buildOptions) labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       collectorName,
		"org.opencontainers.image.description": "OpenTelemetry Collector distribution that writes Higress AI-gateway access logs to MySQL, MariaDB or TiDB for HiMarket",
		"org.opencontainers.image.version":     o.version,
		"org.opencontainers.image.revision":    o.revision,
		"org.opencontainers.image.source":      o.source,
		"org.opencontainers.image.created":     o.created.UTC().Format(time.RFC3339),
	}
}

// pluginLabels also carry the Wasm's own checksum, the value a WasmPlugin's
// sha256 would name for the plain file.
func (o buildOptions) pluginLabels(wasm []byte) map[string]string {
	l := o.labels()
	l["org.opencontainers.image.title"] = pluginName
	l["org.opencontainers.image.description"] = "otelcol-log-pusher: the Higress Wasm plugin that sends every request's access log to otelcol-higress"
	sum := sha256.Sum256(wasm)
	l[wasmSHA256Label] = hex.EncodeToString(sum[:])
	return l
}

// wasmSHA256Label is the sha256 of plugin.wasm inside the plugin image.
const wasmSHA256Label = "io.github.otelcol-higress.wasm.sha256"

// gitRevision is the commit and its time (reproducible image dates);
// SOURCE_DATE_EPOCH overrides the time. Outside git: unknown and the epoch.
func gitRevision(ctx context.Context) (string, time.Time) {
	rev, when := "unknown", time.Unix(0, 0).UTC()
	if out, err := exec.CommandContext(ctx, "git", "log", "-1", "--format=%H %ct").Output(); err == nil {
		if f := strings.Fields(string(out)); len(f) == 2 {
			rev = f[0]
			if sec, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				when = time.Unix(sec, 0).UTC()
			}
		}
	}
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
			when = time.Unix(sec, 0).UTC()
		}
	}
	return rev, when
}
