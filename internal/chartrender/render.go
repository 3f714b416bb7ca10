// Package chartrender renders the Helm chart with helm's own Go packages, so
// tests can assert on manifests and validate the collector config the chart
// generates without a helm binary or a cluster. Only tests import it.
package chartrender

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"sigs.k8s.io/yaml"
)

// Namespace is where rendered releases pretend to live (Higress's own).
const Namespace = "higress-system"

// ChartDir is the chart's directory in this repository.
func ChartDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "deploy", "helm", "otelcol-higress")
}

// Object is one rendered Kubernetes manifest.
type Object map[string]any

// Kind and Name read the manifest's identity.
func (o Object) Kind() string { s, _ := o["kind"].(string); return s }
func (o Object) Name() string { return Str(o, "metadata", "name") }

// renderFiles renders every template of the chart as release "log" with
// values over the defaults, by template path.
func renderFiles(values map[string]any) (map[string]string, error) {
	chrt, err := loader.Load(ChartDir())
	if err != nil {
		return nil, err
	}
	vals, err := chartutil.ToRenderValues(chrt, values,
		chartutil.ReleaseOptions{Name: "log", Namespace: Namespace, IsInstall: true, Revision: 1},
		chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	return engine.Render(chrt, vals)
}

// Notes is what `helm install` prints after the install (NOTES.txt).
func Notes(values map[string]any) (string, error) {
	files, err := renderFiles(values)
	if err != nil {
		return "", err
	}
	for n, text := range files {
		if strings.HasSuffix(n, "/NOTES.txt") {
			return text, nil
		}
	}
	return "", fmt.Errorf("the chart has no NOTES.txt")
}

// Render renders the chart as release "log" with values over the defaults
// and returns its manifests.
func Render(values map[string]any) ([]Object, error) {
	files, err := renderFiles(values)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var objs []Object
	for _, n := range names {
		if !strings.HasSuffix(n, ".yaml") {
			continue
		}
		for _, doc := range strings.Split(files[n], "\n---") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var o Object
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			if len(o) > 0 {
				objs = append(objs, o)
			}
		}
	}
	return objs, nil
}

// Lint runs helm lint with values and returns its findings of warning
// severity or worse.
func Lint(values map[string]any) []string {
	linter := lint.All(ChartDir(), values, Namespace, false)
	var out []string
	for _, m := range linter.Messages {
		if m.Severity >= support.WarningSev {
			out = append(out, m.Error())
		}
	}
	return out
}

// Find returns the manifests of a kind.
func Find(objs []Object, kind string) []Object {
	var out []Object
	for _, o := range objs {
		if o.Kind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// Get walks nested maps and lists ("spec", "template", 0, …).
func Get(o any, path ...any) any {
	cur := o
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := asMap(cur)
			if !ok {
				return nil
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			cur = l[k]
		}
	}
	return cur
}

// Str is Get for a string leaf.
func Str(o any, path ...any) string {
	s, _ := Get(o, path...).(string)
	return s
}

func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case Object:
		return m, true
	}
	return nil, false
}

// CollectorConfig returns config.yaml of the chart's ConfigMap.
func CollectorConfig(objs []Object) (string, error) {
	for _, cm := range Find(objs, "ConfigMap") {
		if s := Str(cm, "data", "config.yaml"); s != "" {
			return s, nil
		}
	}
	return "", fmt.Errorf("no ConfigMap with config.yaml")
}
