package helm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
)

// The defaults a platform team expects of a collector every gateway
// depends on: two replicas, a PodDisruptionBudget that never blocks a
// drain, replicas spread over nodes, and the emptyDir log's disk requested
// from the scheduler.
func TestProductionDefaults(t *testing.T) {
	objs := render(t, withDSN(nil))
	dep := one(t, objs, "Deployment")
	assert.EqualValues(t, 2, cr.Get(dep, "spec", "replicas"))

	pdb := one(t, objs, "PodDisruptionBudget")
	assert.Equal(t, "policy/v1", pdb["apiVersion"])
	assert.EqualValues(t, 1, cr.Get(pdb, "spec", "maxUnavailable"))
	assert.Nil(t, cr.Get(pdb, "spec", "minAvailable"))
	assert.Equal(t, cr.Get(dep, "spec", "selector", "matchLabels"), cr.Get(pdb, "spec", "selector", "matchLabels"),
		"the budget selects the collector's pods")

	term := cr.Get(dep, "spec", "template", "spec", "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution", 0)
	require.NotNil(t, term, "soft anti-affinity by default")
	assert.Equal(t, "kubernetes.io/hostname", cr.Get(term, "podAffinityTerm", "topologyKey"))
	assert.Equal(t, cr.Get(dep, "spec", "selector", "matchLabels"), cr.Get(term, "podAffinityTerm", "labelSelector", "matchLabels"))

	c := container(t, dep)
	assert.Equal(t, "2Gi", cr.Get(c, "resources", "requests", "ephemeral-storage"), "the emptyDir's sizeLimit")
	assert.Equal(t, "2Gi", cr.Get(volume(dep, "wal"), "emptyDir", "sizeLimit"))
	assert.Equal(t, "256Mi", cr.Get(c, "resources", "requests", "memory"), "the other requests stay")
}

func TestPodDisruptionBudgetValues(t *testing.T) {
	pdb := one(t, render(t, withDSN(map[string]any{"podDisruptionBudget": map[string]any{"maxUnavailable": "", "minAvailable": 1}})), "PodDisruptionBudget")
	assert.EqualValues(t, 1, cr.Get(pdb, "spec", "minAvailable"))
	assert.Nil(t, cr.Get(pdb, "spec", "maxUnavailable"))

	_, err := cr.Render(withDSN(map[string]any{"podDisruptionBudget": map[string]any{"minAvailable": 1}}))
	assert.ErrorContains(t, err, "set minAvailable or maxUnavailable, not both")

	assert.Empty(t, cr.Find(render(t, withDSN(map[string]any{"podDisruptionBudget": map[string]any{"enabled": false}})), "PodDisruptionBudget"))
}

func TestAntiAffinityValues(t *testing.T) {
	dep := one(t, render(t, withDSN(map[string]any{"podAntiAffinity": "hard", "podAntiAffinityTopologyKey": "topology.kubernetes.io/zone"})), "Deployment")
	term := cr.Get(dep, "spec", "template", "spec", "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution", 0)
	assert.Equal(t, "topology.kubernetes.io/zone", cr.Get(term, "topologyKey"))

	dep = one(t, render(t, withDSN(map[string]any{"podAntiAffinity": ""})), "Deployment")
	assert.Nil(t, cr.Get(dep, "spec", "template", "spec", "affinity"))

	own := map[string]any{"nodeAffinity": map[string]any{"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
		"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{map[string]any{"key": "pool", "operator": "In", "values": []any{"logs"}}}}}}}}
	dep = one(t, render(t, withDSN(map[string]any{"affinity": own})), "Deployment")
	assert.NotNil(t, cr.Get(dep, "spec", "template", "spec", "affinity", "nodeAffinity"))
	assert.Nil(t, cr.Get(dep, "spec", "template", "spec", "affinity", "podAntiAffinity"), "the user's affinity replaces the default")

	_, err := cr.Render(withDSN(map[string]any{"podAntiAffinity": "sometimes"}))
	assert.ErrorContains(t, err, `podAntiAffinity "sometimes"`)
}

// An explicit ephemeral-storage request wins; no log, no request.
func TestEphemeralStorageRequest(t *testing.T) {
	c := container(t, one(t, render(t, withDSN(map[string]any{"resources": map[string]any{"requests": map[string]any{"ephemeral-storage": "5Gi"}}})), "Deployment"))
	assert.Equal(t, "5Gi", cr.Get(c, "resources", "requests", "ephemeral-storage"))
	c = container(t, one(t, render(t, withDSN(map[string]any{"wal": map[string]any{"enabled": false}})), "Deployment"))
	assert.Nil(t, cr.Get(c, "resources", "requests", "ephemeral-storage"))
	c = container(t, one(t, render(t, withDSN(map[string]any{"wal": map[string]any{"emptyDir": map[string]any{"sizeLimit": "4Gi"}}})), "Deployment"))
	assert.Equal(t, "4Gi", cr.Get(c, "resources", "requests", "ephemeral-storage"))
}

// NOTES.txt speaks of the product as it is: the gateway plugin of this
// repository first, db-log-pusher as the compatible one, and the ingest
// token that otelcol-log-pusher does send.
func TestNotesNameThePluginAndItsToken(t *testing.T) {
	notes, err := cr.Notes(withDSN(nil))
	require.NoError(t, err)
	assert.Contains(t, notes, "otelcol-log-pusher WasmPlugin")
	assert.Contains(t, notes, "collector_service_name: log-collector.higress-system.svc.cluster.local")
	assert.Contains(t, notes, "collector_port: 80")
	assert.Contains(t, notes, "collector_path: /ingest")
	assert.NotContains(t, notes, "ingest_token")

	notes, err = cr.Notes(withDSN(map[string]any{"ingest": map[string]any{"auth": map[string]any{"enabled": true, "token": "t"}}}))
	require.NoError(t, err)
	assert.Contains(t, notes, "ingest_token: <the token of ingest.auth>")
	assert.Contains(t, notes, "otelcol-log-pusher sends it")
	assert.NotContains(t, notes, "put the collector behind the gateway", "the old advice for a plugin that could not send a token")
}
