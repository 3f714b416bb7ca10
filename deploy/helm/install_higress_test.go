package helm_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
)

// installSection is README.md's "Install with Higress".
func installSection(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	doc := string(raw)
	i := strings.Index(doc, "\n## Install with Higress\n")
	require.GreaterOrEqual(t, i, 0, "README.md has no section \"Install with Higress\"")
	rest := doc[i+1:]
	if j := strings.Index(rest[3:], "\n## "); j >= 0 {
		rest = rest[:j+4]
	}
	return rest
}

// shellCommands are the commands of the section's sh blocks, continuation
// lines joined.
func shellCommands(section string) []string {
	var cmds []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		var cur string
		for _, line := range strings.Split(block[1], "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			cur += strings.TrimSuffix(line, "\\") + " "
			if !strings.HasSuffix(line, "\\") {
				cmds = append(cmds, strings.Join(strings.Fields(cur), " "))
				cur = ""
			}
		}
	}
	return cmds
}

func command(t *testing.T, cmds []string, prefix string) []string {
	t.Helper()
	for _, c := range cmds {
		if strings.HasPrefix(c, prefix) {
			return strings.Fields(c)
		}
	}
	t.Fatalf("no %q command in the section", prefix)
	return nil
}

// setValues turns helm's --set a.b=c flags into values, typed as helm
// types them (true/false, integers).
func setValues(t *testing.T, args []string) map[string]any {
	t.Helper()
	values := map[string]any{}
	for i, a := range args {
		if a != "--set" {
			continue
		}
		require.Less(t, i+1, len(args))
		key, raw, ok := strings.Cut(args[i+1], "=")
		require.True(t, ok, args[i+1])
		var v any = raw
		if b, err := strconv.ParseBool(raw); err == nil {
			v = b
		} else if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			v = n
		}
		m := values
		parts := strings.Split(key, ".")
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
	return values
}

func flagValue(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// README "Install with Higress", step by step, as a new user runs it: the
// Secret it creates is the one the helm command names; the chart rendered
// with exactly those flags has the Service and the Ingress the text names,
// the Ingress makes the very cluster the check command greps for, and the
// WasmPlugin it applies posts to that Service, port, path, with the token
// the collector requires. The alternative it gives (no Ingress) renders none.
func TestREADMEInstallWithHigressMatchesTheChart(t *testing.T) {
	section := installSection(t)
	cmds := shellCommands(section)

	secret := command(t, cmds, "kubectl -n higress-system create secret generic")
	install := command(t, cmds, "helm install")
	require.Equal(t, []string{"helm", "install", "log", "deploy/helm/otelcol-higress"}, install[:4],
		"release log (the name chartrender renders) from the chart of this repository")
	assert.Equal(t, cr.Namespace, flagValue(install, "-n"))
	values := setValues(t, install)
	assert.Equal(t, secret[6], cr.Str(values, "mysql", "existingSecret"), "the Secret step 1 creates")
	assert.Contains(t, strings.Join(secret, " "), "--from-literal=dsn=", "the key the chart reads (mysql.existingSecretKey)")

	objs, err := cr.Render(values)
	require.NoError(t, err)
	svc := one(t, objs, "Service")
	ing := one(t, objs, "Ingress")
	cfg := collectorConfig(t, objs)
	fqdn := svc.Name() + "." + cr.Namespace + ".svc.cluster.local"
	port := cr.Get(svc, "spec", "ports", 0, "port")
	path := cr.Str(cfg, "receivers", "higresslog", "ingest_path")
	cluster := clusterOf(ing)

	for _, said := range []string{"`" + svc.Name() + "`", "`" + ing.Name() + "`", "port " + strconv.Itoa(int(port.(float64))),
		"path `" + path + "`", "class `" + cr.Str(ing, "spec", "ingressClassName") + "`"} {
		assert.Contains(t, section, said)
	}
	check := command(t, cmds, "kubectl -n higress-system exec deploy/higress-gateway -c higress-gateway -- curl -s localhost:15000/clusters")
	assert.Equal(t, "'"+cluster+"'", check[len(check)-1], "the check greps for the cluster the Ingress makes")
	assert.Equal(t, "outbound|80||log-collector.higress-system.svc.cluster.local", cluster)

	apply := command(t, cmds, "kubectl apply -f")
	raw, err := os.ReadFile("../../" + apply[3])
	require.NoError(t, err)
	var plugin struct {
		Spec struct {
			DefaultConfigDisable bool           `json:"defaultConfigDisable"`
			DefaultConfig        map[string]any `json:"defaultConfig"`
			Phase                string         `json:"phase"`
			Priority             int            `json:"priority"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &plugin))
	pc := plugin.Spec.DefaultConfig
	assert.Equal(t, fqdn, pc["collector_service_name"])
	assert.EqualValues(t, port, pc["collector_port"])
	assert.Equal(t, path, pc["collector_path"])
	assert.Equal(t, "bearertokenauth", cr.Str(cfg, "receivers", "higresslog", "auth", "authenticator"), "the collector wants a token")
	assert.Equal(t, cr.Str(values, "ingest", "auth", "token"), pc["ingest_token"], "the token the collector was given")
	assert.False(t, plugin.Spec.DefaultConfigDisable)
	for _, said := range []string{"`collector_service_name: " + fqdn + "`", "`collector_port: 80`", "`collector_path: " + path + "`",
		"`ingest_token: " + cr.Str(values, "ingest", "auth", "token") + "`", "`" + plugin.Spec.Phase + "`", "`" + strconv.Itoa(plugin.Spec.Priority) + "`"} {
		assert.Contains(t, section, said)
	}

	// The other way to reachability.
	assert.Contains(t, section, "--set global.onlyPushRouteCluster=false")
	assert.Contains(t, section, "`--set higress.clusterRoute.enabled=false`")
	values["higress"] = map[string]any{"clusterRoute": map[string]any{"enabled": false}}
	objs, err = cr.Render(values)
	require.NoError(t, err)
	assert.Empty(t, cr.Find(objs, "Ingress"))
	assert.Contains(t, section, "`deploy/higress/collector-cluster-route.yaml`")
}
