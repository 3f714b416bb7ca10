// Package helm_test renders and lints the otelcol-higress chart with helm's
// Go packages over the value combinations users deploy.
package helm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
)

// withDSN is the smallest valid install: the chart needs a DSN.
func withDSN(extra map[string]any) map[string]any {
	v := map[string]any{"mysql": map[string]any{"dsn": "higress:pw@tcp(mysql:3306)/higress_poc"}}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

func render(t *testing.T, values map[string]any) []cr.Object {
	t.Helper()
	objs, err := cr.Render(values)
	require.NoError(t, err)
	assert.Empty(t, cr.Lint(values), "helm lint")
	return objs
}

func one(t *testing.T, objs []cr.Object, kind string) cr.Object {
	t.Helper()
	found := cr.Find(objs, kind)
	require.Lenf(t, found, 1, "want exactly one %s", kind)
	return found[0]
}

func container(t *testing.T, workload cr.Object) map[string]any {
	t.Helper()
	c, ok := cr.Get(workload, "spec", "template", "spec", "containers", 0).(map[string]any)
	require.True(t, ok)
	return c
}

func collectorConfig(t *testing.T, objs []cr.Object) map[string]any {
	t.Helper()
	raw, err := cr.CollectorConfig(objs)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(raw), &cfg))
	return cfg
}

func envVar(c map[string]any, name string) map[string]any {
	envs, _ := c["env"].([]any)
	for _, e := range envs {
		m := e.(map[string]any)
		if m["name"] == name {
			return m
		}
	}
	return nil
}

// Defaults are the drop-in replacement: Service log-collector:80 → 8080,
// /ingest, /health probes, DSN from a created Secret, non-root.
func TestDefaultsAreDropInForDBLogCollector(t *testing.T) {
	objs := render(t, withDSN(nil))

	svc := one(t, objs, "Service")
	assert.Equal(t, "log-collector", svc.Name())
	assert.EqualValues(t, 80, cr.Get(svc, "spec", "ports", 0, "port"))
	assert.Equal(t, "ingest", cr.Get(svc, "spec", "ports", 0, "targetPort"))

	dep := one(t, objs, "Deployment")
	assert.Empty(t, cr.Find(objs, "StatefulSet"))
	c := container(t, dep)
	assert.EqualValues(t, 8080, cr.Get(c, "ports", 0, "containerPort"))
	assert.Equal(t, "ingest", cr.Get(c, "ports", 0, "name"))
	assert.Equal(t, "/health", cr.Get(c, "livenessProbe", "httpGet", "path"))
	assert.Equal(t, "ingest", cr.Get(c, "livenessProbe", "httpGet", "port"))
	assert.Equal(t, "health", cr.Get(c, "readinessProbe", "httpGet", "port"))
	assert.Equal(t, true, cr.Get(dep, "spec", "template", "spec", "securityContext", "runAsNonRoot"))
	assert.Equal(t, true, cr.Get(c, "securityContext", "readOnlyRootFilesystem"))

	dsn := envVar(c, "MYSQL_DSN")
	require.NotNil(t, dsn)
	assert.Equal(t, "log-otelcol-higress-mysql", cr.Get(dsn, "valueFrom", "secretKeyRef", "name"))
	assert.Equal(t, "dsn", cr.Get(dsn, "valueFrom", "secretKeyRef", "key"))
	secret := one(t, objs, "Secret")
	assert.Equal(t, "log-otelcol-higress-mysql", secret.Name())
	assert.Equal(t, "higress:pw@tcp(mysql:3306)/higress_poc", cr.Get(secret, "stringData", "dsn"))

	cfg := collectorConfig(t, objs)
	assert.Equal(t, "0.0.0.0:8080", cr.Get(cfg, "receivers", "higresslog", "endpoint"))
	assert.Equal(t, "/ingest", cr.Get(cfg, "receivers", "higresslog", "ingest_path"))
	assert.Equal(t, "${env:MYSQL_DSN}", cr.Get(cfg, "exporters", "mysqlaccesslog", "dsn"), "the DSN never lands in the ConfigMap")
	assert.Equal(t, "access_logs", cr.Get(cfg, "exporters", "mysqlaccesslog", "table"))
	assert.Equal(t, []any{"memory_limiter", "ailog"}, cr.Get(cfg, "service", "pipelines", "logs", "processors"))

	assert.Empty(t, cr.Find(objs, "HorizontalPodAutoscaler"))
	assert.Empty(t, cr.Find(objs, "ServiceMonitor"))
	assert.Empty(t, cr.Find(objs, "PodMonitor"))
}

func TestExistingSecret(t *testing.T) {
	objs := render(t, map[string]any{"mysql": map[string]any{"existingSecret": "himarket-db", "existingSecretKey": "url"}})
	assert.Empty(t, cr.Find(objs, "Secret"), "no Secret is created when one exists")
	dsn := envVar(container(t, one(t, objs, "Deployment")), "MYSQL_DSN")
	assert.Equal(t, "himarket-db", cr.Get(dsn, "valueFrom", "secretKeyRef", "name"))
	assert.Equal(t, "url", cr.Get(dsn, "valueFrom", "secretKeyRef", "key"))
}

func TestMissingDSNFailsClearly(t *testing.T) {
	_, err := cr.Render(nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mysql.dsn or mysql.existingSecret")
}

func volumeMount(c map[string]any, name string) string {
	mounts, _ := c["volumeMounts"].([]any)
	for _, m := range mounts {
		if mm := m.(map[string]any); mm["name"] == name {
			path, _ := mm["mountPath"].(string)
			return path
		}
	}
	return ""
}

func volume(workload cr.Object, name string) map[string]any {
	vols, _ := cr.Get(workload, "spec", "template", "spec", "volumes").([]any)
	for _, v := range vols {
		if vm := v.(map[string]any); vm["name"] == name {
			return vm
		}
	}
	return nil
}

// assertWAL checks the durable path in the collector config: the receiver's
// log on file_storage with fsync in dir, and the exporter without a sending
// queue (a body leaves the log when the pipeline call returns).
func assertWAL(t *testing.T, cfg map[string]any, dir string) {
	t.Helper()
	assert.Equal(t, dir, cr.Get(cfg, "extensions", "file_storage/wal", "directory"))
	assert.Equal(t, true, cr.Get(cfg, "extensions", "file_storage/wal", "fsync"))
	assert.Equal(t, true, cr.Get(cfg, "extensions", "file_storage/wal", "create_directory"))
	assert.Contains(t, cr.Get(cfg, "service", "extensions"), "file_storage/wal")
	assert.Equal(t, "file_storage/wal", cr.Get(cfg, "receivers", "higresslog", "wal", "storage"))
	assert.Equal(t, map[string]any{"enabled": false}, cr.Get(cfg, "exporters", "mysqlaccesslog", "sending_queue"))
}

// Durable by default: the receiver's write-ahead log on an emptyDir, so a
// container restart keeps what was acknowledged; the grace period outlasts
// the log's drain.
func TestDefaultsKeepTheLogOnAnEmptyDir(t *testing.T) {
	objs := render(t, withDSN(nil))
	dep := one(t, objs, "Deployment")
	cfg := collectorConfig(t, objs)
	assertWAL(t, cfg, "/var/lib/otelcol-higress/wal")
	assert.EqualValues(t, 536870912, cr.Get(cfg, "receivers", "higresslog", "wal", "queue_size"))
	assert.Equal(t, "30s", cr.Get(cfg, "receivers", "higresslog", "wal", "drain_timeout"))

	assert.Equal(t, "/var/lib/otelcol-higress", volumeMount(container(t, dep), "wal"))
	assert.Equal(t, "2Gi", cr.Get(volume(dep, "wal"), "emptyDir", "sizeLimit"))
	assert.EqualValues(t, 60, cr.Get(dep, "spec", "template", "spec", "terminationGracePeriodSeconds"))

	objs = render(t, withDSN(map[string]any{"wal": map[string]any{"maxSize": 1 << 30, "drainTimeout": "2m", "emptyDir": map[string]any{"sizeLimit": "4Gi"}},
		"terminationGracePeriodSeconds": 150}))
	cfg = collectorConfig(t, objs)
	assert.EqualValues(t, 1<<30, cr.Get(cfg, "receivers", "higresslog", "wal", "queue_size"))
	assert.Equal(t, "2m", cr.Get(cfg, "receivers", "higresslog", "wal", "drain_timeout"))
	assert.Equal(t, "4Gi", cr.Get(volume(one(t, objs, "Deployment"), "wal"), "emptyDir", "sizeLimit"))
}

// The kubelet kills the pod terminationGracePeriodSeconds after SIGTERM: a
// grace period that would cut the log's drain short is refused, as is a
// drain timeout the chart cannot compare.
func TestGracePeriodOutlastsTheDrain(t *testing.T) {
	_, err := cr.Render(withDSN(map[string]any{"wal": map[string]any{"drainTimeout": "55s"}}))
	assert.ErrorContains(t, err, "terminationGracePeriodSeconds (60) must be at least wal.drainTimeout (55s) + 10")
	_, err = cr.Render(withDSN(map[string]any{"wal": map[string]any{"drainTimeout": "2m"}, "terminationGracePeriodSeconds": 120}))
	assert.ErrorContains(t, err, "wal.drainTimeout (120s)")
	_, err = cr.Render(withDSN(map[string]any{"wal": map[string]any{"drainTimeout": "1m30s"}}))
	assert.ErrorContains(t, err, `wal.drainTimeout "1m30s": write whole seconds or minutes`)
	render(t, withDSN(map[string]any{"wal": map[string]any{"drainTimeout": "50s"}}))
	render(t, withDSN(map[string]any{"wal": map[string]any{"enabled": false}, "terminationGracePeriodSeconds": 5}))
}

// wal.enabled=false is the in-memory path: no log, no volume, the
// exporter's own (in-memory) sending queue.
func TestWALDisabledUsesTheInMemoryQueue(t *testing.T) {
	objs := render(t, withDSN(map[string]any{"wal": map[string]any{"enabled": false}}))
	cfg := collectorConfig(t, objs)
	assert.Nil(t, cr.Get(cfg, "extensions", "file_storage/wal"))
	assert.Nil(t, cr.Get(cfg, "receivers", "higresslog", "wal"))
	assert.Nil(t, cr.Get(cfg, "exporters", "mysqlaccesslog", "sending_queue"), "the exporter's default queue")
	assert.NotContains(t, cr.Get(cfg, "service", "extensions"), "file_storage/wal")
	dep := one(t, objs, "Deployment")
	assert.Nil(t, volume(dep, "wal"))
	assert.Empty(t, volumeMount(container(t, dep), "wal"))

	_, err := cr.Render(withDSN(map[string]any{"wal": map[string]any{"enabled": false}, "persistence": map[string]any{"enabled": true}}))
	assert.ErrorContains(t, err, "persistence.enabled needs wal.enabled")
}

// persistence.queueSize bounded the persistent sending queue the log
// replaced: a release that still sets it fails with what to do.
func TestQueueSizeIsRefused(t *testing.T) {
	_, err := cr.Render(withDSN(map[string]any{"persistence": map[string]any{"enabled": true, "queueSize": 500000}}))
	assert.ErrorContains(t, err, "persistence.queueSize is no longer a value")
	assert.ErrorContains(t, err, "wal.maxSize")
}

// With persistence the log is on a PVC per pod (StatefulSet), so a replaced
// pod finds what its predecessor could not write.
func TestPersistenceKeepsTheLogOnAPVC(t *testing.T) {
	objs := render(t, withDSN(map[string]any{"persistence": map[string]any{"enabled": true, "size": "5Gi", "storageClass": "fast"}}))
	assert.Empty(t, cr.Find(objs, "Deployment"))
	sts := one(t, objs, "StatefulSet")
	assert.Equal(t, "log-otelcol-higress-headless", cr.Get(sts, "spec", "serviceName"))
	assert.Equal(t, "wal", cr.Get(sts, "spec", "volumeClaimTemplates", 0, "metadata", "name"), "the claim is the write-ahead log")
	assert.Equal(t, "5Gi", cr.Get(sts, "spec", "volumeClaimTemplates", 0, "spec", "resources", "requests", "storage"))
	assert.Equal(t, "fast", cr.Get(sts, "spec", "volumeClaimTemplates", 0, "spec", "storageClassName"))

	c := container(t, sts)
	assert.Equal(t, "/var/lib/otelcol-higress", volumeMount(c, "wal"))
	assert.Nil(t, volume(sts, "wal"), "no emptyDir next to the PVC")
	assert.Nil(t, cr.Get(c, "resources", "requests", "ephemeral-storage"), "the log is on the PVC, not on local disk")

	assertWAL(t, collectorConfig(t, objs), "/var/lib/otelcol-higress/wal")
	assert.Len(t, cr.Find(objs, "Service"), 2, "client Service plus the headless one")

	// A release installed when the claim was named "queue" keeps its name:
	// claim templates cannot change.
	sts = one(t, render(t, withDSN(map[string]any{"persistence": map[string]any{"enabled": true, "claimName": "queue"}})), "StatefulSet")
	assert.Equal(t, "queue", cr.Get(sts, "spec", "volumeClaimTemplates", 0, "metadata", "name"))
	assert.Equal(t, "/var/lib/otelcol-higress", volumeMount(container(t, sts), "queue"))
}

func TestAutoscalingAndMonitors(t *testing.T) {
	objs := render(t, withDSN(map[string]any{
		"autoscaling": map[string]any{"enabled": true, "minReplicas": 2, "maxReplicas": 8},
		"metrics": map[string]any{
			"serviceMonitor": map[string]any{"enabled": true, "labels": map[string]any{"release": "prom"}},
			"podMonitor":     map[string]any{"enabled": true},
		},
	}))
	hpa := one(t, objs, "HorizontalPodAutoscaler")
	assert.Equal(t, "Deployment", cr.Get(hpa, "spec", "scaleTargetRef", "kind"))
	assert.EqualValues(t, 8, cr.Get(hpa, "spec", "maxReplicas"))
	assert.Nil(t, cr.Get(one(t, objs, "Deployment"), "spec", "replicas"), "the HPA owns replicas")

	sm := one(t, objs, "ServiceMonitor")
	assert.Equal(t, "metrics", cr.Get(sm, "spec", "endpoints", 0, "port"))
	assert.Equal(t, "prom", cr.Get(sm, "metadata", "labels", "release"))
	assert.Equal(t, "metrics", cr.Get(one(t, objs, "PodMonitor"), "spec", "podMetricsEndpoints", 0, "port"))
}

func TestIngestAuth(t *testing.T) {
	objs := render(t, withDSN(map[string]any{"ingest": map[string]any{"auth": map[string]any{"enabled": true, "token": "t0k"}}}))
	cfg := collectorConfig(t, objs)
	assert.Equal(t, "bearertokenauth", cr.Get(cfg, "receivers", "higresslog", "auth", "authenticator"))
	assert.Equal(t, "${env:INGEST_TOKEN}", cr.Get(cfg, "extensions", "bearertokenauth", "token"))
	tok := envVar(container(t, one(t, objs, "Deployment")), "INGEST_TOKEN")
	assert.Equal(t, "log-otelcol-higress-ingest-token", cr.Get(tok, "valueFrom", "secretKeyRef", "name"))
	assert.Len(t, cr.Find(objs, "Secret"), 2)

	_, err := cr.Render(withDSN(map[string]any{"ingest": map[string]any{"auth": map[string]any{"enabled": true}}}))
	assert.ErrorContains(t, err, "ingest.auth.token")
}

// Users fan out by merging their own exporters and pipelines over the default.
func TestConfigMerge(t *testing.T) {
	objs := render(t, withDSN(map[string]any{"config": map[string]any{
		"exporters": map[string]any{"otlphttp": map[string]any{"endpoint": "http://otel-gateway:4318"}},
		"service": map[string]any{"pipelines": map[string]any{"logs": map[string]any{
			"exporters": []any{"mysqlaccesslog", "otlphttp"},
		}}},
	}}))
	cfg := collectorConfig(t, objs)
	assert.Equal(t, "http://otel-gateway:4318", cr.Get(cfg, "exporters", "otlphttp", "endpoint"))
	assert.NotNil(t, cr.Get(cfg, "exporters", "mysqlaccesslog"))
	assert.Equal(t, []any{"mysqlaccesslog", "otlphttp"}, cr.Get(cfg, "service", "pipelines", "logs", "exporters"))
	assert.Equal(t, []any{"higresslog"}, cr.Get(cfg, "service", "pipelines", "logs", "receivers"))
}

func TestServiceNameOverride(t *testing.T) {
	objs := render(t, withDSN(map[string]any{"service": map[string]any{"name": "", "port": 8080}}))
	svc := one(t, objs, "Service")
	assert.Equal(t, "log-otelcol-higress", svc.Name())
	assert.EqualValues(t, 8080, cr.Get(svc, "spec", "ports", 0, "port"))
}

// GOMEMLIMIT sits under memory_limiter's soft limit, so the garbage
// collector keeps the heap down and the limiter refuses only live data.
func TestGoMemLimitUnderTheLimiter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]any
		want   any
	}{
		{"default 512Mi, 80/20", nil, "276MiB"},
		{"1Gi", map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "1Gi"}}}, "552MiB"},
		{"explicit", map[string]any{"goMemLimit": "300MiB"}, "300MiB"},
		{"no memory limit", map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": nil}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := container(t, one(t, render(t, withDSN(tc.values)), "Deployment"))
			env := envVar(c, "GOMEMLIMIT")
			if tc.want == nil {
				assert.Nil(t, env)
				assert.Nil(t, envVar(c, "GOGC"), "no GOGC without a memory limit")
				return
			}
			require.NotNil(t, env)
			assert.Equal(t, tc.want, cr.Get(env, "value"))
			assert.Equal(t, "300", cr.Get(envVar(c, "GOGC"), "value"), "GOGC comes with GOMEMLIMIT")
		})
	}
}

// GOMAXPROCS is 2 where Go would pick 1 and the log's fsyncs would hold
// requests back: the write-ahead log on a CPU limit of one core or less.
func TestGoMaxProcsWithTheLogOnOneCore(t *testing.T) {
	cpu := func(limit any) map[string]any {
		return map[string]any{"resources": map[string]any{"limits": map[string]any{"cpu": limit}}}
	}
	for _, tc := range []struct {
		name   string
		values map[string]any
		want   any
	}{
		{"default one core", nil, "2"},
		{"half a core", cpu("500m"), "2"},
		{"two cores", cpu("2"), nil},
		{"no CPU limit", cpu(nil), nil},
		{"without the log", map[string]any{"wal": map[string]any{"enabled": false}}, nil},
		{"explicit", map[string]any{"goMaxProcs": 3}, "3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := container(t, one(t, render(t, withDSN(tc.values)), "Deployment"))
			if tc.want == nil {
				assert.Nil(t, envVar(c, "GOMAXPROCS"))
				return
			}
			assert.Equal(t, tc.want, cr.Get(envVar(c, "GOMAXPROCS"), "value"))
		})
	}
}

// The query API: off by default; on, the extension reads the table with
// its own (read-only) DSN Secret or the exporter's, behind a bearer token,
// on its own container and Service port.
func TestQueryAPI(t *testing.T) {
	cfg := collectorConfig(t, render(t, withDSN(nil)))
	assert.Nil(t, cr.Get(cfg, "extensions", "accesslogquery"), "off by default")

	objs := render(t, withDSN(map[string]any{"query": map[string]any{
		"enabled": true, "dsn": "logquery:ro@tcp(mysql:3306)/higress", "auth": map[string]any{"token": "q"},
	}}))
	cfg = collectorConfig(t, objs)
	assert.Equal(t, "0.0.0.0:8090", cr.Get(cfg, "extensions", "accesslogquery", "endpoint"))
	assert.Equal(t, "${env:QUERY_MYSQL_DSN}", cr.Get(cfg, "extensions", "accesslogquery", "mysql", "dsn"), "the DSN never lands in the ConfigMap")
	assert.Equal(t, "access_logs", cr.Get(cfg, "extensions", "accesslogquery", "table"))
	assert.Equal(t, "bearertokenauth/query", cr.Get(cfg, "extensions", "accesslogquery", "auth", "authenticator"))
	assert.Equal(t, "${env:QUERY_TOKEN}", cr.Get(cfg, "extensions", "bearertokenauth/query", "token"))
	assert.Contains(t, cr.Get(cfg, "service", "extensions"), "accesslogquery")
	assert.Contains(t, cr.Get(cfg, "service", "extensions"), "bearertokenauth/query")

	c := container(t, one(t, objs, "Deployment"))
	assert.Equal(t, "log-otelcol-higress-query-mysql", cr.Get(envVar(c, "QUERY_MYSQL_DSN"), "valueFrom", "secretKeyRef", "name"))
	assert.Equal(t, "log-otelcol-higress-query-token", cr.Get(envVar(c, "QUERY_TOKEN"), "valueFrom", "secretKeyRef", "name"))
	var ports []any
	for _, p := range c["ports"].([]any) {
		ports = append(ports, p.(map[string]any)["name"])
	}
	assert.Contains(t, ports, "query")
	assert.Equal(t, "query", cr.Get(one(t, objs, "Service"), "spec", "ports", 2, "name"))
	assert.EqualValues(t, 8090, cr.Get(one(t, objs, "Service"), "spec", "ports", 2, "port"))
	assert.Len(t, cr.Find(objs, "Secret"), 3, "exporter DSN, query DSN, query token")

	// Without its own DSN it reads with the exporter's Secret; without auth
	// no token is needed.
	objs = render(t, withDSN(map[string]any{"query": map[string]any{"enabled": true, "auth": map[string]any{"enabled": false}}}))
	c = container(t, one(t, objs, "Deployment"))
	assert.Equal(t, "log-otelcol-higress-mysql", cr.Get(envVar(c, "QUERY_MYSQL_DSN"), "valueFrom", "secretKeyRef", "name"))
	assert.Nil(t, envVar(c, "QUERY_TOKEN"))
	assert.Nil(t, cr.Get(collectorConfig(t, objs), "extensions", "accesslogquery", "auth"))

	_, err := cr.Render(withDSN(map[string]any{"query": map[string]any{"enabled": true}}))
	assert.ErrorContains(t, err, "query.auth.token")
}
