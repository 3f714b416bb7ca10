// Command image builds the collector's and the gateway plugin's OCI images
// without a container engine, and pushes them to a registry:
//
//	go run ./cmd/image build -version 0.1.0 -platforms linux/amd64,linux/arm64
//	go run ./cmd/image push -registry registry.example.com/team -version 0.1.0
//
// `make image` and `make push REGISTRY=…` run these. Both images are made
// layer by layer with go-containerregistry, FROM nothing: no base image is
// pulled, so the build needs only Go and this repository.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	switch os.Args[1] {
	case "build":
		err = runBuild(ctx, os.Args[2:])
	case "push":
		err = runPush(ctx, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: image build [flags] | image push -registry REGISTRY [flags]; -h for the flags")
	os.Exit(2)
}

func runBuild(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("build", flag.ExitOnError)
	o := buildOptions{}
	fs.StringVar(&o.out, "out", "bin/images", "directory of the OCI layouts and tarballs")
	fs.StringVar(&o.version, "version", "dev", "the images' tag and org.opencontainers.image.version")
	platforms := fs.String("platforms", "linux/amd64", "comma-separated os/arch list of the collector image")
	fs.StringVar(&o.plugin, "plugin", "bin/plugin.wasm", "the gateway plugin built by `make plugin`")
	fs.StringVar(&o.config, "config", "config/docker.yaml", "the collector configuration baked into the image")
	fs.StringVar(&o.pkg, "pkg", "./cmd/otelcol", "the collector's main package")
	fs.StringVar(&o.gobin, "go", envOr("GO", "go"), "the go command that compiles the collector")
	fs.StringVar(&o.source, "source", "https://github.com/otelcol-higress/otelcol-higress", "org.opencontainers.image.source")
	_ = fs.Parse(args)
	o.platforms = strings.Split(*platforms, ",")
	o.revision, o.created = gitRevision(ctx)
	res, err := build(ctx, o)
	if err != nil {
		return err
	}
	for _, a := range res {
		fmt.Printf("%-20s %s  %s\n", a.name, a.digest, a.path)
	}
	return nil
}

func runPush(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("push", flag.ExitOnError)
	o := pushOptions{}
	fs.StringVar(&o.dir, "dir", "bin/images", "directory `image build` wrote")
	fs.StringVar(&o.registry, "registry", "", "registry and path the images go to, e.g. ghcr.io/you or registry.example.com:5000/team (required)")
	fs.StringVar(&o.version, "version", "dev", "the tag to push (the one built)")
	fs.BoolVar(&o.insecure, "insecure", false, "plain HTTP, for a registry without TLS (a local test registry)")
	_ = fs.Parse(args)
	if o.registry == "" {
		return fmt.Errorf("-registry is required, e.g. -registry ghcr.io/you")
	}
	pushed, err := push(ctx, o)
	if err != nil {
		return err
	}
	report(os.Stdout, pushed, o.version)
	return nil
}

// report says what was pushed and what the quick start's next steps take
// from it (the README quotes it).
func report(w io.Writer, pushed []pushed, version string) {
	for _, p := range pushed {
		fmt.Fprintf(w, "pushed %s@%s\n", p.ref, p.digest)
	}
	fmt.Fprintf(w, "\nhelm:       --set image.repository=%s --set image.tag=%s\n", pushed[0].repo, version)
	fmt.Fprintf(w, "WasmPlugin: url: oci://%s\n", pushed[1].ref)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
