package accesslogqueryextension

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
)

// screenshotPath is the README's picture of the page, taken by this test.
const screenshotPath = "../../docs/log-explorer.png"

var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// inCI: .ci/run exports CI=true (as most CI systems do).
func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "false" && v != "0"
}

// chromiumPath finds Chromium on PATH. In CI it installs it the way .ci/run
// does when it is missing, so the test never skips there; elsewhere a
// machine without Chromium skips it.
func chromiumPath(t *testing.T) string {
	find := func() string {
		for _, name := range browserNames {
			if p, err := exec.LookPath(name); err == nil {
				return p
			}
		}
		return ""
	}
	if p := find(); p != "" {
		return p
	}
	if !inCI() {
		t.Skip("no Chromium on PATH and CI is not set: run .ci/install-chromium (root, apt) to run the browser test")
	}
	out, err := exec.Command("bash", "../../.ci/install-chromium").CombinedOutput()
	require.NoError(t, err, "installing chromium: %s", out)
	p := find()
	require.NotEmpty(t, p, "chromium still not on PATH after .ci/install-chromium")
	return p
}

// TestExplorerInBrowser drives the log explorer in headless Chromium:
// authenticate, filter by model, open a row (ai_log pretty-printed), turn
// on the live tail and see a newly committed row appear. The screenshot in
// the README is taken here.
func TestExplorerInBrowser(t *testing.T) {
	browser := chromiumPath(t)
	tg := gmsTarget(t)
	w := startWriter(t, tg, "access_logs")
	w.post(t, fixture()...)
	rows := readStored(t, tg, "access_logs")

	const token = "explorer-token"
	authID := component.NewID(bearertokenauthextension.NewFactory().Type())
	host := hostWith{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{
		authID: startAuthExtension(t, bearertokenauthextension.NewFactory(), map[string]any{"token": token}),
	}}
	cfg := testConfig(tg, "access_logs")
	cfg.Auth = configoptional.Some(confighttp.AuthConfig{Config: configauth.Config{AuthenticatorID: authID}})
	e := startQuery(t, cfg, host)

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browser),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		// Without these Chromium waits on network services this closed
		// network does not have.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1600, 1000),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// The first action starts the browser; it must not carry a timeout.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(e.url(pathPage))))
	step := func(what string, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, d)
		defer scancel()
		require.NoError(t, chromedp.Do(sctx, steps...), what)
	}
	eval := func(expr string) []string {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
		defer scancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](expr))
		require.NoError(t, err, expr)
		return v
	}

	// Without a token the page loads but the data does not.
	step("page loads", 10*time.Second,
		chromedp.WaitVisible(chromedp.CSS("#f-model")),
		chromedp.Poll[chromedp.Void](`document.getElementById("status").className === "error"`))

	from, to := fixtureWindow()
	wantRows := len(expected(rows, eq("model", "qwen-max")))
	step("filter by model", 10*time.Second,
		chromedp.SetValue(chromedp.CSS("#auth-kind"), "Bearer"),
		chromedp.SetValue(chromedp.CSS("#auth-value"), token),
		chromedp.SetValue(chromedp.CSS("#f-start_time"), from),
		chromedp.SetValue(chromedp.CSS("#f-end"), to),
		chromedp.SetValue(chromedp.CSS("#f-model"), "qwen-max"),
		chromedp.SetValue(chromedp.CSS("#f-page_size"), "25"),
		chromedp.Click(chromedp.CSS("#search")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#results tbody tr").length === `+strconv.Itoa(wantRows)+
			` && document.querySelectorAll("#kpi div").length > 0`))
	modelIdx := indexOf(t, eval(`Array.from(document.querySelectorAll("#results thead th")).map(th => th.textContent)`), "model")
	models := eval(`Array.from(document.querySelectorAll("#results tbody tr")).map(tr => tr.children[` + strconv.Itoa(modelIdx) + `].textContent)`)
	require.Len(t, models, wantRows)
	for _, m := range models {
		assert.Equal(t, "qwen-max", m)
	}

	step("open a row", 10*time.Second,
		chromedp.Click(chromedp.CSS("#results tbody tr:nth-child(1)")),
		chromedp.WaitVisible(chromedp.CSS(`#detail dd[data-key="ai_log"] pre`)))
	ai := eval(`[document.querySelector('#detail dd[data-key="ai_log"] pre').textContent]`)[0]
	assert.Contains(t, ai, "{\n  \"", "ai_log is pretty-printed")
	assert.Contains(t, ai, `"model": "qwen-max"`)

	step("live tail on", 10*time.Second,
		chromedp.Click(chromedp.CSS("#tail-toggle")),
		chromedp.Poll[chromedp.Void](`document.getElementById("tail-status").textContent === "live"`))
	tailed := map[string]any{
		"start_time": fixtureBase.Add(5 * time.Minute).Format(time.RFC3339), "authority": "api.example.com",
		"method": "POST", "path": "/v1/chat/completions", "request_id": "req-tailed", "response_code": 200,
		"duration": 321, "model": "qwen-max", "consumer": "carol", "input_tokens": 7, "output_tokens": 9,
		"ai_log": map[string]any{"model": "qwen-max", "input_token": 7, "output_token": 9, "response_type": "stream"},
	}
	other := map[string]any{"start_time": fixtureBase.Add(5 * time.Minute).Format(time.RFC3339), "method": "POST",
		"path": "/v1/chat/completions", "request_id": "req-other-model", "response_code": 200, "model": "gpt-4o"}
	w.post(t, other, tailed)
	step("tailed row appears", 5*time.Second,
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#results tbody tr.tailed").length === 1`))
	tailedModels := eval(`Array.from(document.querySelectorAll("#results tbody tr.tailed")).map(tr => tr.children[` + strconv.Itoa(modelIdx) + `].textContent)`)
	assert.Equal(t, []string{"qwen-max"}, tailedModels, "only the filter's rows are tailed")
	firstRow := eval(`[document.querySelector("#results tbody tr").className]`)[0]
	assert.Contains(t, firstRow, "tailed", "the new row is on top")

	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(shot, []byte("\x89PNG")), "a PNG")
	// The page shows fixed data and no clock, so the picture only changes
	// when the page or the browser does; unchanged bytes are not rewritten.
	if old, err := os.ReadFile(screenshotPath); err != nil || !bytes.Equal(old, shot) {
		require.NoError(t, os.MkdirAll(filepath.Dir(screenshotPath), 0o755))
		require.NoError(t, os.WriteFile(screenshotPath, shot, 0o644))
	}
}

func indexOf(t *testing.T, list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	t.Fatalf("%q not in %v", s, list)
	return -1
}
