package main

import (
	"context"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

type pushOptions struct {
	dir, registry, version string
	insecure               bool
	// transport replaces the HTTP transport (tests).
	remoteOpts []remote.Option
}

type pushed struct{ repo, ref, digest string }

// push sends the collector's index and the plugin's image of an `image
// build` to <registry>/otelcol-higress:<version> and
// <registry>/otelcol-log-pusher:<version>. Credentials: REGISTRY_USERNAME
// and REGISTRY_PASSWORD when set, else the Docker config (~/.docker/config.json,
// written by `docker login` or `crane auth login`).
func push(ctx context.Context, o pushOptions) ([]pushed, error) {
	var nameOpts []name.Option
	if o.insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	opts := append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(keychain())}, o.remoteOpts...)
	var out []pushed
	for _, image := range []string{collectorName, pluginName} {
		ref, err := name.NewTag(o.registry+"/"+image+":"+o.version, nameOpts...)
		if err != nil {
			return nil, err
		}
		desc, err := fromLayout(layoutDir(o.dir, image), o.version)
		if err != nil {
			return nil, fmt.Errorf("%s: %w (run `make image VERSION=%s` first)", image, err, o.version)
		}
		var digest v1.Hash
		switch x := desc.(type) {
		case v1.ImageIndex:
			err = remote.WriteIndex(ref, x, opts...)
			digest, _ = x.Digest()
		case v1.Image:
			err = remote.Write(ref, x, opts...)
			digest, _ = x.Digest()
		}
		if err != nil {
			return nil, fmt.Errorf("pushing %s: %w", ref, err)
		}
		out = append(out, pushed{repo: ref.Context().String(), ref: ref.String(), digest: digest.String()})
	}
	return out, nil
}

// fromLayout is the image or index tagged version in an OCI layout.
func fromLayout(dir, version string) (any, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range m.Manifests {
		if d.Annotations["org.opencontainers.image.ref.name"] != version {
			continue
		}
		if d.MediaType.IsIndex() {
			return idx.ImageIndex(d.Digest)
		}
		return idx.Image(d.Digest)
	}
	return nil, fmt.Errorf("no image tagged %q in %s", version, dir)
}

// keychain: explicit credentials from the environment (CI), else the
// Docker config.
func keychain() authn.Keychain {
	user, pass := os.Getenv("REGISTRY_USERNAME"), os.Getenv("REGISTRY_PASSWORD")
	if user != "" || pass != "" {
		return staticKeychain{authn.FromConfig(authn.AuthConfig{Username: user, Password: pass})}
	}
	return authn.DefaultKeychain
}

type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }
