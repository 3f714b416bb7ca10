package accesslogqueryextension

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
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

// The README's pictures of the page, taken by this test.
const (
	shotOverview = "../../docs/explorer-overview.png"
	shotErrors   = "../../docs/explorer-errors.png"
	shotDetail   = "../../docs/explorer-detail.png"
)

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

// showcase are requests an operator looks into: a chat with its
// conversation and timing in ai_log, and a failed one of the same model.
func showcase() []map[string]any {
	at := func(d time.Duration) string { return fixtureBase.Add(d).Format(time.RFC3339) }
	return []map[string]any{
		{"start_time": at(10*time.Minute + 2*time.Second), "authority": "api.example.com", "method": "POST", "path": "/v1/chat/completions",
			"request_id": "req-showcase", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "response_code": 200, "duration": 1312,
			"upstream_service_time": "1290", "model": "qwen-max", "consumer": "alice", "route_name": "ai-route-a",
			"input_tokens": 412, "output_tokens": 96, "total_tokens": 508, "cost": 0.000738,
			"ai_log": map[string]any{"model": "qwen-max", "input_token": 412, "output_token": 96, "response_type": "stream",
				"llm_first_token_duration": 318, "llm_service_duration": 1288,
				"question": "Which regions does our SLA cover, and what is the uptime target?",
				"answer":   "The SLA covers cn-hangzhou, cn-shanghai and ap-southeast-1, with a 99.95% monthly uptime target."}},
		{"start_time": at(10*time.Minute + 9*time.Second), "authority": "api.example.com", "method": "POST", "path": "/v1/chat/completions",
			"request_id": "req-upstream-reset", "response_code": 503, "response_flags": "UF", "duration": 30004,
			"response_code_details":             "upstream_reset_before_response_started{connection_failure}",
			"upstream_transport_failure_reason": "delayed connect error: 111", "model": "qwen-max", "consumer": "bob",
			"ai_log": map[string]any{"model": "qwen-max", "question": "Summarise yesterday's incident report."}},
	}
}

// browser starts headless Chromium on a fixed timezone that is not UTC, so
// the page's local times differ from the UTC ones it shows beside them.
func browser(t *testing.T, path string) context.Context {
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
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
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// The first action starts the browser; it must not carry a timeout.
	require.NoError(t, chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"})
		return chromedp.Void{}, err
	}))
	return ctx
}

// TestExplorerInBrowser drives the log explorer in headless Chromium as an
// operator would: open a permalink, sign in when asked, read the charts,
// pick a model, drill into the errors, open a request's conversation and
// timing, find a request by id whatever its age, use a time preset,
// export, and tail. The README's screenshots are taken here.
func TestExplorerInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	tg := gmsTarget(t)
	w := startWriter(t, tg, "access_logs")
	w.post(t, append(fixture(), showcase()...)...)
	rows := readStored(t, tg, "access_logs")

	const token = "explorer-token"
	authID := component.NewID(bearertokenauthextension.NewFactory().Type())
	host := hostWith{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{
		authID: startAuthExtension(t, bearertokenauthextension.NewFactory(), map[string]any{"token": token}),
	}}
	cfg := testConfig(tg, "access_logs")
	cfg.Auth = configoptional.Some(confighttp.AuthConfig{Config: configauth.Config{AuthenticatorID: authID}})
	e := startQuery(t, cfg, host)
	ctx := browser(t, chromium)

	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, time.Minute)
		defer scancel()
		require.NoError(t, chromedp.Do(sctx, steps...), what)
	}
	eval := func(expr string) []string {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, time.Minute)
		defer scancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](expr, chromedp.EvalAwaitPromise))
		require.NoError(t, err, expr)
		return v
	}
	js := func(expr string) chromedp.Action[chromedp.Void] { return chromedp.Evaluate[chromedp.Void](expr) }
	pick := func(id, v string) chromedp.Action[chromedp.Void] {
		return js(`(() => { const s = document.getElementById("` + id + `"); s.value = "` + v + `"; s.dispatchEvent(new Event("change")); })()`)
	}
	column := func(label string) []string {
		t.Helper()
		return eval(`Array.from(document.querySelectorAll('#results tbody tr.row td[data-col="` + label + `"]')).map(td => td.textContent)`)
	}
	rowsShown := func(n int) chromedp.Action[chromedp.Void] {
		// The rows, and every call of the view (its figures, charts and
		// pickers) answered.
		return chromedp.Poll[chromedp.Void](`document.querySelectorAll("#results tbody tr.row").length === ` + strconv.Itoa(n) +
			` && document.body.dataset.busy === "0"`)
	}
	inWindow := func(p pred) int { return len(expected(rows, p)) }
	from, to := fixtureWindow()
	window := "start_time=" + url.QueryEscape(from) + "&end=" + url.QueryEscape(to)

	// A permalink to a window; the API wants a token: the page asks for it
	// instead of showing the server's error.
	step("open a permalink", chromedp.Navigate(e.url(pathPage+"?"+window+"&page_size=50")),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.Poll[chromedp.Void](`document.getElementById("login").open`))
	assert.NotContains(t, eval(`[document.body.innerText]`)[0], "authorization header")
	step("sign in",
		chromedp.SendKeys(chromedp.CSS("#auth-value"), token),
		chromedp.Click(chromedp.CSS("#login-ok")),
		rowsShown(inWindow(all())),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#charts .chart svg rect").length > 0 && document.querySelectorAll("#f-model option").length > 2`))
	assert.Equal(t, []string{"Requests and errors", "Latency", "Tokens", "Cost"},
		eval(`Array.from(document.querySelectorAll("#charts .chart")).map(c => c.dataset.chart)`))
	assert.Contains(t, eval(`[document.getElementById("range-text").textContent]`)[0], "Asia/Shanghai, UTC+08:00")
	assert.Contains(t, eval(`[document.getElementById("range-text").textContent]`)[0], "2026-03-01 09:59:00 UTC", "UTC beside local time")
	models := eval(`Array.from(document.querySelectorAll("#f-model option")).map(o => o.textContent)`)
	assert.Contains(t, models, "qwen-max ("+strconv.Itoa(inWindow(eq("model", "qwen-max")))+")", "picker with counts")

	// Numbers with units and sane rounding, times local with UTC on hover.
	costs := column("cost")
	assert.Contains(t, costs, "0.000738")
	assert.Contains(t, column("duration"), "1.31 s")
	assert.Contains(t, column("TTFT"), "318 ms")
	assert.Contains(t, column("time"), "2026-03-01 18:10:02", "local time (UTC+8)")
	assert.Contains(t, column("request_id"), "req-showcase")

	step("pick a model", pick("f-model", "qwen-max"), rowsShown(inWindow(eq("model", "qwen-max"))))
	for _, m := range column("model") {
		assert.Equal(t, "qwen-max", m)
	}
	assert.Contains(t, eval(`[location.search]`)[0], "model=qwen-max", "the filter is in the URL")
	assert.Equal(t, []string{strconv.Itoa(inWindow(eq("model", "qwen-max")))},
		eval(`[document.querySelector('#kpi [data-kpi="requests"] b').textContent]`), "the figures are the filter's")
	takeShot(t, ctx, shotOverview)

	// The error drill-down: errors of that model, then 5xx only.
	step("errors only", pick("f-status", "errors"),
		rowsShown(inWindow(all(eq("model", "qwen-max"), func(r stored) bool { return codeIn(400, 1000)(r) || eq("response_code", "0")(r) }))))
	step("5xx", pick("f-status", "5xx"), rowsShown(inWindow(all(eq("model", "qwen-max"), codeIn(500, 600)))))
	for _, c := range column("status") {
		assert.True(t, strings.HasPrefix(c, "5"), c)
	}
	assert.Contains(t, eval(`[location.search]`)[0], "status=5xx")
	step("open the failed request", chromedp.Click(chromedp.CSS("#results tbody tr.row")),
		chromedp.WaitVisible(chromedp.CSS(`#detail dd[data-key="upstream_transport_failure_reason"]`)))
	assert.Equal(t, []string{"delayed connect error: 111"}, eval(`[document.querySelector('#detail dd[data-key="upstream_transport_failure_reason"]').textContent]`))
	takeShot(t, ctx, shotErrors)

	// The detail opens under its row, with the conversation and the timing;
	// the table keeps its columns.
	step("back to every status", pick("f-status", ""), rowsShown(inWindow(eq("model", "qwen-max"))))
	step("open the showcase request",
		js(`Array.from(document.querySelectorAll("#results tbody tr.row")).find(tr => tr.textContent.includes("req-showcase")).click()`),
		chromedp.WaitVisible(chromedp.CSS(`#detail [data-role="answer"]`)))
	assert.Contains(t, eval(`[document.querySelector('#detail [data-role="question"]').textContent]`)[0], "Which regions does our SLA cover")
	assert.Contains(t, eval(`[document.querySelector('#detail [data-role="answer"]').textContent]`)[0], "99.95% monthly uptime")
	timing := eval(`Array.from(document.querySelectorAll("#detail-timing .row")).map(r => r.textContent)`)
	assert.Equal(t, []string{"total at the gateway1.31 s", "upstream1.29 s", "TTFT318 ms", "LLM service1.29 s"}, timing)
	assert.Equal(t, eval(`[String(document.querySelectorAll("#results thead th").length)]`)[0],
		eval(`[String(document.querySelector("#results tbody tr.selected").children.length)]`)[0], "every column still shown")
	assert.Equal(t, []string{"true"}, eval(`[String(document.querySelector("#results tbody tr.selected").nextElementSibling.id === "detail")]`))
	takeShot(t, ctx, shotDetail)

	// Export of the result: every row of the filter, as CSV and JSON.
	csv := eval(`window.explorer.exportText("csv").then(t => [t])`)[0]
	lines := strings.Split(strings.TrimRight(csv, "\r\n"), "\r\n")
	assert.True(t, strings.HasPrefix(lines[0], "id,start_time,"), lines[0])
	assert.Len(t, lines, 1+inWindow(eq("model", "qwen-max")))
	var exported []map[string]any
	require.NoError(t, json.Unmarshal([]byte(eval(`window.explorer.exportText("json").then(t => [t])`)[0]), &exported))
	assert.Len(t, exported, inWindow(eq("model", "qwen-max")))

	// A request_id months old, found with no window, from a fresh page.
	step("lookup by request_id", chromedp.Navigate(e.url(pathPage)),
		chromedp.WaitVisible(chromedp.CSS("#lookup")),
		chromedp.SendKeys(chromedp.CSS("#lookup"), "req-07\r"),
		rowsShown(1))
	assert.Equal(t, []string{"req-07"}, column("request_id"))
	assert.Contains(t, eval(`[location.search]`)[0], "request_id=req-07")
	step("lookup by trace_id", js(`document.getElementById("lookup").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#lookup"), "4bf92f3577b34da6a3ce929d0e0e4736\r"),
		chromedp.Poll[chromedp.Void](`location.search.includes("trace_id=")`), rowsShown(1))
	assert.Equal(t, []string{"req-showcase"}, column("request_id"))

	// A time preset counts back from now.
	recent := map[string]any{"start_time": time.Now().UTC().Add(-2 * time.Minute).Format(time.RFC3339), "method": "GET",
		"path": "/v1/models", "request_id": "req-recent", "response_code": 200, "duration": 12}
	w.post(t, recent)
	step("15 minutes", js(`document.querySelector('#presets [data-range="15m"]').click()`), rowsShown(1))
	assert.Equal(t, []string{"req-recent"}, column("request_id"))
	assert.Contains(t, eval(`[location.search]`)[0], "range=15m")

	step("live tail on", chromedp.Click(chromedp.CSS("#tail-toggle")),
		chromedp.Poll[chromedp.Void](`document.getElementById("tail-status").textContent === "live"`))
	w.post(t, map[string]any{"start_time": time.Now().UTC().Format(time.RFC3339), "method": "POST", "path": "/v1/chat/completions",
		"request_id": "req-tailed", "response_code": 200, "model": "qwen-max"})
	step("tailed row appears", chromedp.Poll[chromedp.Void](`document.querySelectorAll("#results tbody tr.tailed").length === 1`))
	assert.Contains(t, eval(`[document.querySelector("#results tbody tr").className]`)[0], "tailed", "the new row is on top")
}

// takeShot saves a screenshot for the README. The views show fixed data
// in a fixed timezone, so a picture changes only when the page or the
// browser does; unchanged bytes are not rewritten.
func takeShot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(shot, []byte("\x89PNG")), "a PNG")
	if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, shot) {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, shot, 0o644))
	}
}
