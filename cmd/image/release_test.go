package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// The release workflow runs, for a version tag, the same `make push` the
// README gives users, for both platforms.
func TestReleaseWorkflowPushesBothImages(t *testing.T) {
	raw, err := os.ReadFile("../../.github/workflows/release.yml")
	require.NoError(t, err)
	// YAML 1.1 reads the key `on` as true, as sigs.k8s.io/yaml does.
	raw = []byte(strings.Replace(string(raw), "\non:\n", "\nworkflow_on:\n", 1))
	var wf struct {
		On struct {
			Push struct {
				Tags []string `json:"tags"`
			} `json:"push"`
		} `json:"workflow_on"`
		Jobs map[string]struct {
			Steps []struct {
				Run string            `json:"run"`
				Env map[string]string `json:"env"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &wf))
	assert.Equal(t, []string{"v*"}, wf.On.Push.Tags)
	var push string
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if strings.Contains(s.Run, "make push") {
				push = s.Run
				assert.NotEmpty(t, s.Env["REGISTRY_PASSWORD"], "credentials for cmd/image push")
			}
		}
	}
	require.NotEmpty(t, push, "a step runs make push")
	assert.Contains(t, push, "PLATFORMS=linux/amd64,linux/arm64")
	assert.Contains(t, push, `VERSION="$VERSION"`)
}
