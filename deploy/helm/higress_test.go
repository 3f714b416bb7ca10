package helm_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
)

// Higress creates only the clusters of Services some route points to
// (alibaba/higress helm/core/values.yaml global.onlyPushRouteCluster: true,
// passed to its controller as PILOT_FILTER_GATEWAY_CLUSTER_CONFIG in
// helm/core/templates/controller-deployment.yaml), and Envoy refuses a
// plugin's call to a cluster it does not have. By default the chart renders
// an Ingress of class higress (Higress's global.ingressClass) whose backend
// is the collector Service, so the gateway has
// outbound|80||log-collector.higress-system.svc.cluster.local; the
// whitelist-source-range annotation (pkg/ingress/kube/annotations/
// ip_access_control.go) lets no outside request through it.
func TestClusterRouteMakesTheCollectorClusterExist(t *testing.T) {
	objs := render(t, withDSN(nil))
	ing := one(t, objs, "Ingress")
	svc := one(t, objs, "Service")
	assert.Equal(t, "log-otelcol-higress-cluster", ing.Name())
	assert.Equal(t, "higress", cr.Get(ing, "spec", "ingressClassName"))
	assert.Equal(t, "127.0.0.1/32", cr.Get(ing, "metadata", "annotations", "higress.io/whitelist-source-range"))
	path := cr.Get(ing, "spec", "rules", 0, "http", "paths", 0)
	assert.Equal(t, svc.Name(), cr.Get(path, "backend", "service", "name"))
	assert.EqualValues(t, cr.Get(svc, "spec", "ports", 0, "port"), cr.Get(path, "backend", "service", "port", "number"))
	assert.Equal(t, "/ingest", cr.Get(path, "path"))
	assert.Equal(t, "log-collector.higress-system.svc.cluster.local", cr.Get(ing, "spec", "rules", 0, "host"))
	assert.Equal(t, "outbound|80||log-collector.higress-system.svc.cluster.local", clusterOf(ing))

	// The Service port and name follow the values.
	objs = render(t, withDSN(map[string]any{"service": map[string]any{"name": "otel", "port": 8080},
		"higress": map[string]any{"clusterRoute": map[string]any{"host": "otel.internal"}}}))
	ing = one(t, objs, "Ingress")
	assert.Equal(t, "otel", cr.Get(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"))
	assert.Equal(t, "otel.internal", cr.Get(ing, "spec", "rules", 0, "host"))
	assert.Equal(t, "outbound|8080||otel.higress-system.svc.cluster.local", clusterOf(ing))

	// With Higress's global.onlyPushRouteCluster=false it is not needed.
	objs = render(t, withDSN(map[string]any{"higress": map[string]any{"clusterRoute": map[string]any{"enabled": false}}}))
	assert.Empty(t, cr.Find(objs, "Ingress"))
}

// clusterOf is the Envoy cluster Higress makes for an Ingress backend in
// the release's namespace: the one the plugin posts to for
// collector_service_name <service>.<namespace>.svc.cluster.local.
func clusterOf(ing cr.Object) string {
	b := cr.Get(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service")
	return fmt.Sprintf("outbound|%v||%s.%s.svc.cluster.local", cr.Get(b, "port", "number"), cr.Str(b, "name"), cr.Namespace)
}

// deploy/higress/collector-cluster-route.yaml, for installs without the
// chart, is the object the chart renders by default.
func TestStaticClusterRouteIsTheChartsOwn(t *testing.T) {
	raw, err := os.ReadFile("../higress/collector-cluster-route.yaml")
	require.NoError(t, err)
	var static cr.Object
	require.NoError(t, yaml.Unmarshal(raw, &static))
	ing := one(t, render(t, withDSN(nil)), "Ingress")
	assert.Equal(t, ing.Name(), static.Name())
	assert.Equal(t, cr.Namespace, cr.Get(static, "metadata", "namespace"))
	assert.Equal(t, cr.Get(ing, "metadata", "annotations"), cr.Get(static, "metadata", "annotations"))
	assert.Equal(t, ing["spec"], static["spec"])
}
