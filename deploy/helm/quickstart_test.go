package helm_test

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
)

// exampleRegistry and exampleToken stand for the $REGISTRY and the
// $INGEST_TOKEN a user exports in steps 1 and 2.
const (
	exampleRegistry = "registry.example.com/team"
	exampleToken    = "5f0c2d9e8b7a6f4e3d2c1b0a99887766"
)

// quickStart is README.md's "Quick start on Higress" section.
func quickStart(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	doc := string(b)
	i := strings.Index(doc, "\n## Quick start on Higress\n")
	require.GreaterOrEqual(t, i, 0, "README.md has no section \"Quick start on Higress\"")
	rest := doc[i+1:]
	if j := strings.Index(rest[3:], "\n## "); j >= 0 {
		rest = rest[:j+4]
	}
	return rest
}

// readmeBlock is the code block after <!-- quickstart:NAME --> in README.md.
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)<!-- quickstart:" + regexp.QuoteMeta(name) + " -->\\s*```[a-z]*\\n(.*?)```").FindSubmatch(b)
	require.NotNil(t, m, "README.md has no quickstart:%s block", name)
	return string(m[1])
}

// commands are the shell commands of a block: continuation lines joined,
// each split into words as the shell would ($REGISTRY expanded, quotes
// removed; nothing else is expanded).
func commands(block string) [][]string {
	block = strings.ReplaceAll(block, "\\\n", " ")
	var out [][]string
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.NewReplacer("$REGISTRY", exampleRegistry, "$INGEST_TOKEN", exampleToken).Replace(line)
		var words []string
		var cur strings.Builder
		var quote rune
		inWord := false
		for _, r := range line {
			switch {
			case quote != 0 && r == quote:
				quote = 0
			case quote != 0:
				cur.WriteRune(r)
			case r == '\'' || r == '"':
				quote, inWord = r, true
			case r == ' ' || r == '\t':
				if inWord {
					words = append(words, cur.String())
					cur.Reset()
					inWord = false
				}
			default:
				cur.WriteRune(r)
				inWord = true
			}
		}
		if inWord {
			words = append(words, cur.String())
		}
		out = append(out, words)
	}
	return out
}

// flagValues are the values of every --name in a command.
func flagValues(cmd []string, name string) []string {
	var out []string
	for i, w := range cmd {
		if w == name && i+1 < len(cmd) {
			out = append(out, cmd[i+1])
		} else if v, ok := strings.CutPrefix(w, name+"="); ok {
			out = append(out, v)
		}
	}
	return out
}

func appVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("otelcol-higress/Chart.yaml")
	require.NoError(t, err)
	var c struct {
		AppVersion string `json:"appVersion"`
	}
	require.NoError(t, yaml.Unmarshal(b, &c))
	require.NotEmpty(t, c.AppVersion)
	return c.AppVersion
}

// secretsCreated maps each `kubectl create secret generic NAME
// --from-literal=KEY=…` of a block to its keys.
func secretsCreated(cmds [][]string) map[string][]string {
	out := map[string][]string{}
	for _, c := range cmds {
		if len(c) > 5 && c[0] == "kubectl" && strings.Join(c[3:6], " ") == "create secret generic" {
			for _, lit := range flagValues(c, "--from-literal") {
				key, _, _ := strings.Cut(lit, "=")
				out[c[6]] = append(out[c[6]], key)
			}
		}
	}
	return out
}

// TestQuickStart walks the README's quick start against the repository as
// a new user runs it, up to where a cluster is needed: what each step's
// command gives is what the next step relies on.
func TestQuickStart(t *testing.T) {
	version := appVersion(t)

	// Step 1: make push REGISTRY=… pushes <registry>/otelcol-higress:<appVersion>
	// (cmd/image's tests check the output block itself).
	push := commands(readmeBlock(t, "push"))
	require.Len(t, push, 2)
	assert.Equal(t, []string{"make", "push", "REGISTRY=" + exampleRegistry}, push[1])
	mk, err := os.ReadFile("../../Makefile")
	require.NoError(t, err)
	assert.Contains(t, string(mk), "\npush: image\n")
	assert.Contains(t, string(mk), "deploy/helm/otelcol-higress/Chart.yaml", "VERSION defaults to the chart's appVersion")
	pushed := readmeBlock(t, "push-output")
	collectorRef := exampleRegistry + "/otelcol-higress:" + version
	pluginRef := exampleRegistry + "/otelcol-log-pusher:" + version
	assert.Contains(t, pushed, "pushed "+collectorRef+"@sha256:")
	assert.Contains(t, pushed, "WasmPlugin: url: oci://"+pluginRef)

	// Step 2: the Secrets and the helm install, rendered by the chart.
	section := quickStart(t)
	install := commands(readmeBlock(t, "install"))
	secrets := secretsCreated(install)
	var helm []string
	for _, c := range install {
		if c[0] == "helm" {
			helm = c
		}
	}
	require.NotNil(t, helm)
	assert.Equal(t, []string{"helm", "install", "log", "deploy/helm/otelcol-higress", "-n", cr.Namespace}, helm[:6],
		"the release and namespace chartrender renders")
	values := map[string]any{}
	for _, s := range flagValues(helm, "--set") {
		require.NoError(t, strvals.ParseInto(s, values), s)
	}
	objs := render(t, values)
	dep := one(t, objs, "Deployment")
	c := container(t, dep)
	assert.Equal(t, collectorRef, c["image"], "the image step 1 pushed")
	for _, env := range []string{"MYSQL_DSN", "QUERY_TOKEN"} {
		ref := cr.Get(envVar(c, env), "valueFrom", "secretKeyRef")
		require.NotNil(t, ref, env)
		name, key := cr.Str(ref, "name"), cr.Str(ref, "key")
		assert.Contains(t, secrets[name], key, "%s: step 2 creates Secret %s with key %s", env, name, key)
	}
	cfg := collectorConfig(t, objs)
	assert.Equal(t, "bearertokenauth", cr.Str(cfg, "receivers", "higresslog", "auth", "authenticator"), "the collector wants a token")
	tokenSecret := one(t, objs, "Secret")
	assert.Equal(t, exampleToken, cr.Str(tokenSecret, "stringData", "token"), "the chart keeps $INGEST_TOKEN, its only Secret")
	assert.Equal(t, tokenSecret.Name(), cr.Str(envVar(c, "INGEST_TOKEN"), "valueFrom", "secretKeyRef", "name"))
	notes, err := cr.Notes(values)
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(notes), strings.TrimSpace(readmeBlock(t, "notes")), "the NOTES the README shows")

	svc := one(t, objs, "Service")
	ing := one(t, objs, "Ingress")
	host := svc.Name() + "." + cr.Namespace + ".svc.cluster.local"
	port := cr.Get(svc, "spec", "ports", 0, "port")
	path := cr.Str(cfg, "receivers", "higresslog", "ingest_path")
	for _, said := range []string{"`" + svc.Name() + "`", "`" + ing.Name() + "`", "port " + strconv.Itoa(int(port.(float64))),
		"path `" + path + "`", "class `" + cr.Str(ing, "spec", "ingressClassName") + "`"} {
		assert.Contains(t, section, said)
	}

	// Step 3: the Ingress makes the very cluster the check greps for; the
	// other way renders no Ingress.
	check := commands(readmeBlock(t, "cluster"))
	require.Len(t, check, 1)
	cluster := clusterOf(ing)
	assert.Equal(t, "outbound|80||log-collector.higress-system.svc.cluster.local", cluster)
	assert.Equal(t, cluster, check[0][len(check[0])-1], "the check greps for the cluster the Ingress makes")
	assert.Contains(t, section, "--set global.onlyPushRouteCluster=false")
	assert.Contains(t, section, "`--set higress.clusterRoute.enabled=false`")
	assert.Contains(t, section, "`deploy/higress/collector-cluster-route.yaml`")
	without := map[string]any{"higress": map[string]any{"clusterRoute": map[string]any{"enabled": false}}}
	for k, v := range values {
		if k != "higress" {
			without[k] = v
		}
	}
	assert.Empty(t, cr.Find(render(t, without), "Ingress"))

	// Step 4: the README's sed turns the shipped manifest into a WasmPlugin
	// with the pushed image, the token and the chart's Service, port and path.
	wasm := readmeBlock(t, "wasmplugin")
	require.Contains(t, wasm, "| kubectl apply -f -")
	script := strings.Replace(wasm, "| kubectl apply -f -", "", 1)
	cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+script)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "REGISTRY="+exampleRegistry, "INGEST_TOKEN="+exampleToken)
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	var plugin map[string]any
	require.NoError(t, yaml.Unmarshal(out, &plugin))
	assert.Equal(t, "WasmPlugin", plugin["kind"])
	assert.Equal(t, "oci://"+pluginRef, cr.Get(plugin, "spec", "url"))
	assert.NotContains(t, string(out), "CHANGE-ME")
	assert.Equal(t, false, cr.Get(plugin, "spec", "defaultConfigDisable"), "global: every request")
	configs := collectorConfigs(plugin["spec"])
	require.NotEmpty(t, configs, "the manifest configures the collector")
	for _, pc := range configs {
		assert.Equal(t, host, pc["collector_service_name"])
		assert.EqualValues(t, port, pc["collector_port"])
		assert.Equal(t, path, pc["collector_path"])
		assert.Equal(t, exampleToken, pc["ingest_token"], "the token the collector was given")
		assert.Contains(t, notes, "collector_service_name: "+host)
	}
	for _, said := range []string{"`collector_service_name: " + host + "`", "`collector_port: 80`", "`collector_path: " + path + "`",
		"`" + cr.Str(plugin, "spec", "phase") + "`", "priority `" + strconv.Itoa(int(cr.Get(plugin, "spec", "priority").(float64))) + "`"} {
		assert.Contains(t, section, said)
	}

	// Step 6: the token's Secret and the port-forward to the query port.
	explorer := commands(readmeBlock(t, "explorer"))
	require.Len(t, explorer, 2)
	assert.Contains(t, secrets, explorer[0][5], "the token Secret of step 2")
	var queryPort any
	for _, p := range cr.Get(svc, "spec", "ports").([]any) {
		if cr.Str(p, "name") == "query" {
			queryPort = cr.Get(p, "port")
		}
	}
	require.NotNil(t, queryPort)
	qport, _ := yaml.Marshal(queryPort)
	assert.Equal(t, []string{"kubectl", "-n", cr.Namespace, "port-forward", "svc/" + svc.Name(), strings.TrimSpace(string(qport))}, explorer[1])
}

// collectorConfigs are the plugin configurations in a WasmPlugin spec
// that name a collector (defaultConfig, each matchRules config).
func collectorConfigs(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["collector_service_name"]; ok {
			out = append(out, x)
		}
		for _, c := range x {
			out = append(out, collectorConfigs(c)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, collectorConfigs(c)...)
		}
	}
	return out
}
