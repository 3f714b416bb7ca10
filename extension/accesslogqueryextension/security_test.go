package accesslogqueryextension

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/basicauthextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
)

// sleepBound is well below the injected SLEEP(30) and far above what a
// request takes on a loaded CI machine: a request taking longer ran the
// attacker's SLEEP.
const sleepBound = 15 * time.Second

// injections are classic SQL-injection attempts.
var injections = []string{
	`' OR '1'='1`,
	`1' OR 1=1 -- `,
	`x'); DROP TABLE access_logs; --`,
	`1; DELETE FROM access_logs`,
	"qwen-max` OR `1`=`1",
	`\' OR 1=1 #`,
	`" OR ""="`,
	`1 AND SLEEP(30)`,
	`%' OR '%'='`,
	"\x00' OR 1=1 --",
	`start_time DESC; DROP TABLE access_logs`,
	`model, (SELECT SLEEP(30))`,
}

// injectable is every parameter of every endpoint.
func injectable() map[string][]string {
	pageParams := []string{paramPage, paramPageSize, paramSortBy, paramSortOrder, paramNext}
	common := append(filterParams(), windowParams...)
	return map[string][]string{
		pathQuery: append(append([]string{}, common...), append(pageParams, ignoredParams...)...),
		pathStats: append(append([]string{}, common...), paramGroupBy),
		pathTail:  append(filterParams(), paramLastEventID),
	}
}

// tableFingerprint is what an injection could change.
func tableFingerprint(t *testing.T, tg *target) string {
	var n, sum int64
	require.NoError(t, tg.admin.QueryRow("SELECT COUNT(*), COALESCE(SUM(id), 0) FROM "+tg.table("access_logs")).Scan(&n, &sum))
	var tables int
	require.NoError(t, tg.admin.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", tg.database).Scan(&tables))
	b, _ := json.Marshal([]int64{n, sum, int64(tables)})
	return string(b)
}

// TestSQLInjection: every parameter of every endpoint, given injection
// attempts, answers 400 or matches nothing, quickly, and the table is
// unchanged.
func TestSQLInjection(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		w := startWriter(t, tg, "access_logs")
		w.post(t, fixture()...)
		e := startQuery(t, testConfig(tg, "access_logs"), nil)
		before := tableFingerprint(t, tg)
		from, to := fixtureWindow()
		client := &http.Client{Timeout: 45 * time.Second}
		for path, params := range injectable() {
			for _, param := range params {
				for _, payload := range injections {
					q := url.Values{param: {payload}}
					if path != pathTail && param != paramStartTime && param != paramStart && param != paramEnd && param != paramNext {
						// Inside the fixture's window, so "matches nothing" means something.
						q.Set(paramStartTime, from)
						q.Set(paramEnd, to)
					}
					start := time.Now()
					resp, err := client.Get(e.url(path + "?" + q.Encode()))
					require.NoError(t, err)
					label := path + " " + param + "=" + payload
					switch resp.StatusCode {
					case http.StatusBadRequest:
						_ = resp.Body.Close()
					case http.StatusOK:
						if path == pathTail {
							// A valid filter: the stream opens and only ever
							// matches a row with that literal value.
							_ = resp.Body.Close()
							break
						}
						var body map[string]any
						dec := json.NewDecoder(resp.Body)
						dec.UseNumber()
						require.NoError(t, dec.Decode(&body), label)
						_ = resp.Body.Close()
						if path == pathQuery {
							assert.Equal(t, json.Number("0"), body["total"], label)
						} else {
							kpi := body["data"].(map[string]any)["kpi"].(map[string]any)
							assert.Equal(t, json.Number("0"), kpi["pv"], label)
						}
					default:
						_ = resp.Body.Close()
						t.Errorf("%s: status %d", label, resp.StatusCode)
					}
					assert.Less(t, time.Since(start), sleepBound, "%s ran a statement of its own", label)
				}
			}
		}
		assert.Equal(t, before, tableFingerprint(t, tg), "the table is unchanged")
	})
}

// hostWith serves extensions to confighttp's auth lookup.
type hostWith struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h.exts }

func startAuthExtension(t *testing.T, f extension.Factory, settings map[string]any) component.Component {
	cfg := f.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(settings).Unmarshal(cfg))
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext
}

// TestAuthEnforced: with bearertokenauth or basicauth configured, every
// data endpoint refuses requests without the right credentials; the page,
// a static file, loads without them.
func TestAuthEnforced(t *testing.T) {
	tg := gmsTarget(t)
	startWriter(t, tg, "access_logs").post(t, fixture()...)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:pa55"))
	for _, tc := range []struct {
		name     string
		factory  extension.Factory
		settings map[string]any
		good     string
		bad      []string
	}{
		{"bearertokenauth", bearertokenauthextension.NewFactory(), map[string]any{"token": "s3cret"},
			"Bearer s3cret", []string{"", "Bearer wrong", basic}},
		{"basicauth", basicauthextension.NewFactory(), map[string]any{"htpasswd": map[string]any{"inline": "ops:pa55"}},
			basic, []string{"", "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:nope")), "Bearer s3cret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := component.NewID(tc.factory.Type())
			host := hostWith{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{
				id: startAuthExtension(t, tc.factory, tc.settings),
			}}
			cfg := testConfig(tg, "access_logs")
			cfg.Auth = configoptional.Some(confighttp.AuthConfig{Config: configauth.Config{AuthenticatorID: id}})
			e := startQuery(t, cfg, host)
			from, to := fixtureWindow()
			window := "?" + vals("start_time", from, "end", to).Encode()
			for _, path := range []string{pathQuery + window, pathStats + window, pathTail} {
				for _, h := range tc.bad {
					resp := get(t, e.url(path), "Authorization", h)
					assert.Equal(t, http.StatusUnauthorized, resp.code, "%s with %q", path, h)
					assert.Equal(t, "error", resp.body["status"])
				}
			}
			resp := get(t, e.url(pathQuery+window), "Authorization", tc.good)
			assert.Len(t, resp.logs(t), 10)
			resp = get(t, e.url(pathStats+window), "Authorization", tc.good)
			assert.Equal(t, http.StatusOK, resp.code)

			page := get(t, e.url(pathPage))
			assert.Equal(t, http.StatusOK, page.code)
			assert.True(t, strings.HasPrefix(page.raw, "<!doctype html>"))
			other := get(t, e.url("/index.html"))
			assert.Equal(t, http.StatusUnauthorized, other.code, "only the page itself is public")
		})
	}
}
