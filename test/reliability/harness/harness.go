// Package harness runs the otelcol-higress binary as a subprocess for the
// reliability tests (test/reliability) and the end-to-end benchmark
// (cmd/bench): it builds the distribution, writes a higresslog →
// memory_limiter → ailog → mysqlaccesslog configuration, starts, kills and
// stops the process, and reads its peak RSS and CPU time from /proc.
package harness

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/cpubench"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// ModuleRoot is the directory holding go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the otelcol-higress module")
	}
	return filepath.Dir(mod), nil
}

// Build compiles ./cmd/otelcol (the distribution) to dir/otelcol-higress
// and checks that it contains the mysqlaccesslog exporter. When bin is
// set (RELIABILITY_BIN, bench -bin) that binary is used instead.
func Build(dir, bin string) (string, error) {
	if bin == "" {
		root, err := ModuleRoot()
		if err != nil {
			return "", err
		}
		bin = filepath.Join(dir, "otelcol-higress")
		if err := goBuild(root, bin, "./cmd/otelcol"); err != nil {
			return "", err
		}
	}
	ok, err := HasExporter(bin)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%s has no mysqlaccesslog exporter", bin)
	}
	return bin, nil
}

func goBuild(root, out, pkg string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// HasExporter reports whether bin lists the mysqlaccesslog exporter.
func HasExporter(bin string) (bool, error) {
	out, err := exec.Command(bin, "components").Output()
	if err != nil {
		return false, fmt.Errorf("%s components: %w", bin, err)
	}
	return bytes.Contains(out, []byte("name: mysqlaccesslog")), nil
}

// FreePort returns a free TCP port on 127.0.0.1.
var FreePort = mysqltest.FreePort

// Options describe one collector configuration.
type Options struct {
	// Port of the higresslog receiver on 127.0.0.1.
	Port int
	// DSN of the database (usually through a mysqltest.Proxy).
	DSN string
	// Table (default access_logs).
	Table string
	// StorageDir makes the path durable in this directory (file_storage,
	// fsync on): the receiver's write-ahead log, with the exporter writing
	// synchronously (no sending queue); empty keeps the queue in memory.
	StorageDir string
	// PersistentQueue puts the exporter's persistent sending queue in
	// StorageDir instead of the write-ahead log (comparison only).
	PersistentQueue bool
	// NoFsync turns file_storage's fsync off (benchmark comparison only).
	NoFsync bool
	// WALQueueSize is the write-ahead log's queue_size in bytes (0: the receiver's default).
	WALQueueSize int64
	// WALMemorySize is the write-ahead log's memory_size (0: the receiver's default).
	WALMemorySize int64
	// WALBatchMinSize is the write-ahead log's batch::min_size in bytes
	// (nil: the receiver's default; 0 is a value of its own: no waiting).
	WALBatchMinSize *int
	// MemoryLimitMiB and SpikeLimitMiB configure memory_limiter (0: 512/128).
	MemoryLimitMiB, SpikeLimitMiB int
	// BlockOnOverflow makes a full sending queue hold requests back instead
	// of refusing them.
	BlockOnOverflow bool
	// QueueBytes bounds the sending queue in bytes (sizer: bytes); it wins
	// over QueueSize. Without either, a persistent queue gets 1 GiB on disk.
	// Neither applies with the write-ahead log (no sending queue).
	QueueBytes int
	// QueueSize in records (0: the exporter's default).
	QueueSize int
	// NumConsumers of the sending queue (0: the exporter's default).
	NumConsumers int
	// BatchMinSize / BatchMaxSize of sending_queue.batch in records (0: defaults).
	BatchMinSize, BatchMaxSize int
	// MaxBodyBytes of the receiver (0: the receiver's default).
	MaxBodyBytes int
	// MetricsPort exposes the collector's own metrics (0: metrics off).
	MetricsPort int
	// LogLevel of the collector's own logs (default warn).
	LogLevel string
}

// configTmpl is the collector configuration Options describe.
//
//go:embed collector.yaml.tmpl
var configText string

var configTmpl = template.Must(template.New("cfg").Parse(configText))

// WAL reports whether o configures the receiver's write-ahead log.
func (o Options) WAL() bool { return o.StorageDir != "" && !o.PersistentQueue }

// Config renders the configuration YAML.
func Config(o Options) ([]byte, error) {
	if o.Table == "" {
		o.Table = "access_logs"
	}
	if o.MemoryLimitMiB == 0 {
		o.MemoryLimitMiB = 512
	}
	if o.SpikeLimitMiB == 0 {
		o.SpikeLimitMiB = o.MemoryLimitMiB / 4
	}
	if o.LogLevel == "" {
		o.LogLevel = "warn"
	}
	var b bytes.Buffer
	err := configTmpl.Execute(&b, o)
	return b.Bytes(), err
}

// Collector is one run of the binary.
type Collector struct {
	Bin     string
	Config  string // path of the config file
	LogPath string // stdout+stderr of every start, appended
	Env     []string
	URL     string // ingest URL
	Health  string // health URL

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	exitErr error
	peakKiB int64
	anonKiB int64 // highest RssAnon sampled
	fileKiB int64 // highest RssFile sampled (mapped binary, bbolt file)
	state   *os.ProcessState
}

// New writes the config for o into dir and prepares a Collector; Start runs it.
func New(bin, dir string, o Options, env ...string) (*Collector, error) {
	cfg, err := Config(o)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		return nil, err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", o.Port)
	return &Collector{Bin: bin, Config: path, LogPath: filepath.Join(dir, "collector.log"), Env: env,
		URL: base + "/ingest", Health: base + "/health"}, nil
}

// Start runs the binary and waits until /health answers 200.
func (c *Collector) Start(ctx context.Context, within time.Duration) error {
	c.mu.Lock()
	if c.cmd != nil {
		c.mu.Unlock()
		return errors.New("already running")
	}
	logf, err := os.OpenFile(c.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	fmt.Fprintf(logf, "=== start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(c.Bin, "--config", c.Config)
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		c.mu.Unlock()
		return err
	}
	c.cmd, c.done, c.exitErr, c.peakKiB, c.anonKiB, c.state = cmd, make(chan struct{}), nil, 0, 0, nil
	go func() {
		err := cmd.Wait()
		logf.Close()
		c.mu.Lock()
		c.exitErr, c.state = err, cmd.ProcessState
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > c.peakKiB {
			c.peakKiB = ru.Maxrss // KiB on Linux
		}
		c.mu.Unlock()
		close(c.done)
	}()
	go c.sampleRSS(cmd.Process.Pid, c.done)
	done := c.done
	c.mu.Unlock()
	return c.waitHealthy(ctx, done, within)
}

func (c *Collector) waitHealthy(ctx context.Context, done chan struct{}, within time.Duration) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-done:
			c.mu.Lock()
			err := c.exitErr
			c.cmd = nil
			c.mu.Unlock()
			return fmt.Errorf("collector exited during start: %v\n%s", err, c.LogTail(40))
		default:
		}
		resp, err := client.Get(c.Health)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("collector not healthy within %v\n%s", within, c.LogTail(40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sampleRSS keeps the highest VmHWM seen (VmHWM is itself a high-water
// mark; sampling only guards against reading it after exit) and the
// highest RssAnon sampled every 50 ms: VmHWM also counts file pages the
// process maps, such as the persistent queue's bbolt file, which the
// kernel can reclaim; RssAnon is the heap, stacks and runtime.
func (c *Collector) sampleRSS(pid int, done chan struct{}) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if kib, err := readStatusKiB(pid); err == nil {
			c.mu.Lock()
			c.peakKiB = max(c.peakKiB, kib["VmHWM"])
			c.anonKiB = max(c.anonKiB, kib["RssAnon"])
			c.fileKiB = max(c.fileKiB, kib["RssFile"])
			c.mu.Unlock()
		}
		select {
		case <-done:
			return
		case <-t.C:
		}
	}
}

// PID of the running process (0 when not running).
func (c *Collector) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// Running is true while the process has not exited.
func (c *Collector) Running() bool {
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// PeakRSSKiB is the highest VmHWM of the current (or last) run, in KiB.
func (c *Collector) PeakRSSKiB() int64 {
	if pid := c.PID(); pid != 0 && c.Running() {
		if kib, err := readStatusKiB(pid); err == nil {
			c.mu.Lock()
			c.peakKiB = max(c.peakKiB, kib["VmHWM"])
			c.mu.Unlock()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peakKiB
}

// PeakFileKiB is the highest RssFile sampled: file-backed pages the kernel
// can reclaim (the mapped binary, the persistent queue's bbolt file).
func (c *Collector) PeakFileKiB() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fileKiB
}

// PeakAnonKiB is the highest RssAnon sampled during the current (or last) run.
func (c *Collector) PeakAnonKiB() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.anonKiB
}

// CPUSeconds is utime+stime of the running process from /proc/PID/stat.
func (c *Collector) CPUSeconds() (float64, error) {
	pid := c.PID()
	if pid == 0 {
		return 0, errors.New("not running")
	}
	return ProcCPUSeconds(pid)
}

// Kill sends SIGKILL and waits for the exit.
func (c *Collector) Kill() error { return c.signal(syscall.SIGKILL, 10*time.Second) }

// Stop sends SIGTERM and waits up to within for a clean exit; after that
// it kills the process and returns an error.
func (c *Collector) Stop(within time.Duration) error {
	if err := c.signal(syscall.SIGTERM, within); err != nil {
		_ = c.Kill()
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exitErr != nil {
		return fmt.Errorf("collector exited with %v after SIGTERM", c.exitErr)
	}
	return nil
}

func (c *Collector) signal(sig syscall.Signal, within time.Duration) error {
	c.mu.Lock()
	cmd, done := c.cmd, c.done
	c.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(within):
		return fmt.Errorf("collector still running %v after %v", within, sig)
	}
	c.mu.Lock()
	c.cmd = nil
	c.mu.Unlock()
	return nil
}

// ExitState is the last exit's process state (nil while running).
func (c *Collector) ExitState() *os.ProcessState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// LogTail is the last n lines of the collector's output.
func (c *Collector) LogTail(n int) string {
	b, err := os.ReadFile(c.LogPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// CountLog counts lines of the collector output containing s.
func (c *Collector) CountLog(s string) int {
	f, err := os.Open(c.LogPath)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			n++
		}
	}
	return n
}

// readStatusKiB reads the kB figures of /proc/PID/status (VmHWM, RssAnon,
// RssFile, …) by name.
func readStatusKiB(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		key, v, ok := strings.Cut(line, ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				out[key] = n
			}
		}
	}
	return out, nil
}

// ProcCPUSeconds is utime+stime of pid from /proc/PID/stat.
func ProcCPUSeconds(pid int) (float64, error) {
	d, err := cpubench.ProcStatCPU(fmt.Sprintf("/proc/%d/stat", pid))
	return d.Seconds(), err
}
