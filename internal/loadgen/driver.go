package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config says how much traffic to send and how.
type Config struct {
	// URL is the ingest endpoint, e.g. http://127.0.0.1:8080/ingest.
	URL string
	// RunID prefixes every request_id so a run's rows can be found.
	RunID string
	// Concurrency is the number of keep-alive connections posting at once.
	Concurrency int
	// Posts stops after this many POSTs (0: no limit).
	Posts int
	// Duration stops after this long (0: no limit). One of Posts and Duration must be set.
	Duration time.Duration
	// Rate caps POSTs per second over all workers (0: as fast as answered).
	Rate float64
	// PerPost is the number of entries per POST (1: one object, >1: array).
	PerPost int
	// Padding adds request/response body bytes to each entry.
	Padding int
	// Timeout is the per-request timeout (db-log-pusher uses 5 s).
	Timeout time.Duration
}

// Result is what happened to every POST.
type Result struct {
	Posts, Acked, Refused, Failed int
	// AckedIDs are the request ids of entries whose POST was answered 2xx:
	// the ones the collector promised to keep.
	AckedIDs  []string
	Latencies []time.Duration
	Elapsed   time.Duration
	// Status counts answers by HTTP status (0: transport error).
	Status map[int]int
}

// Run sends traffic until Posts or Duration is reached or ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Posts <= 0 && cfg.Duration <= 0 {
		return nil, fmt.Errorf("loadgen: set Posts or Duration")
	}
	cfg.Concurrency = max(cfg.Concurrency, 1)
	cfg.PerPost = max(cfg.PerPost, 1)
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	client := &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			MaxIdleConns:        cfg.Concurrency,
			MaxIdleConnsPerHost: cfg.Concurrency,
			IdleConnTimeout:     90 * time.Second,
		},
	}
	defer client.CloseIdleConnections()

	var (
		next  atomic.Int64
		mu    sync.Mutex
		res   = &Result{Status: map[int]int{}}
		wg    sync.WaitGroup
		start = time.Now()
	)
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for {
				post := int(next.Add(1) - 1)
				if cfg.Posts > 0 && post >= cfg.Posts {
					return
				}
				if !waitTurn(ctx, start, post, cfg.Rate) {
					return
				}
				ids := make([]string, cfg.PerPost)
				for i := range ids {
					ids[i] = RequestID(cfg.RunID, post*cfg.PerPost+i)
				}
				// A fresh buffer each time: the transport may still be
				// writing the last body when an early answer (413) returns.
				buf = AppendBody(make([]byte, 0, cap(buf)), cfg.RunID, post*cfg.PerPost, cfg.PerPost, cfg.Padding)
				status, lat := send(ctx, client, cfg.URL, buf)
				mu.Lock()
				res.Posts++
				res.Status[status]++
				res.Latencies = append(res.Latencies, lat)
				switch {
				case status >= 200 && status < 300:
					res.Acked++
					res.AckedIDs = append(res.AckedIDs, ids...)
				case status == 0:
					res.Failed++
				default:
					res.Refused++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, nil
}

// waitTurn paces POST number n to the configured rate; false when ctx ended.
func waitTurn(ctx context.Context, start time.Time, n int, rate float64) bool {
	if ctx.Err() != nil {
		return false
	}
	if rate <= 0 {
		return true
	}
	due := start.Add(time.Duration(float64(n) / rate * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
		}
	}
	return true
}

func send(ctx context.Context, client *http.Client, url string, body []byte) (int, time.Duration) {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, time.Since(t0)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(t0)
}

// Percentile of the recorded latencies (p in 0..100).
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	l := slices.Sorted(slices.Values(r.Latencies))
	return l[int(float64(len(l)-1)*p/100)]
}

// PostsPerSecond over the run.
func (r *Result) PostsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Posts) / r.Elapsed.Seconds()
}
