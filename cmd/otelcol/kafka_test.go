package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// The scale-out topology of config/kafka-agent.yaml and
// config/kafka-writer.yaml on an in-process Kafka cluster (kfake): two agents
// take the gateway's POSTs, two writers in one consumer group share the
// partitions, and every request lands in MySQL exactly once — also when the
// whole topic is consumed a second time.
func TestKafkaAgentsToWritersExactlyOnce(t *testing.T) {
	const topic = "higress_access_logs"
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
	require.NoError(t, err)
	t.Cleanup(kc.Close) // registered first: closes after every collector
	db := mysqltest.NewDatabase(t)
	t.Setenv("KAFKA_BROKERS", kc.ListenAddrs()[0])
	t.Setenv("MYSQL_DSN", db.DSN)

	startAgent := func() string {
		addr := freeAddr(t)
		startCollector(t, "file:../../config/kafka-agent.yaml",
			"yaml:receivers::higresslog::endpoint: "+addr,
			"yaml:extensions::health_check::endpoint: "+freeAddr(t))
		return addr
	}
	startWriter := func(group string) {
		startCollector(t, "file:../../config/kafka-writer.yaml",
			"yaml:receivers::kafka::group_id: "+group,
			"yaml:extensions::health_check::endpoint: "+freeAddr(t))
	}

	agents := []string{startAgent(), startAgent()}
	startWriter("writers")
	startWriter("writers")

	const n = 30
	entries := make([]map[string]any, 0, n)
	for i := range n {
		e := aiEntry(fmt.Sprintf("kafka-%02d", i),
			[]string{"qwen-max", "deepseek-r1", "gpt-4o"}[i%3], "team-"+fmt.Sprint(i%2), "route-k", i+1, 2*i+1)
		entries = append(entries, e)
		postEntries(t, agents[i%2], "", e)
	}

	adm := kadm.NewClient(newKafkaClient(t, kc.ListenAddrs()))
	requireExactlyOnce := func(why string) {
		t.Helper()
		var rows map[string][]accessRow
		require.Eventually(t, func() bool {
			rows = rowsByRequestID(t, db)
			return len(rows) == n
		}, 60*time.Second, 100*time.Millisecond, "%s: %d of %d requests in MySQL", why, len(rows), n)
		for _, e := range entries {
			id := e["request_id"].(string)
			require.Lenf(t, rows[id], 1, "%s: rows of %s", why, id)
			// ailog ran on the writer: the columns HiMarket groups by are filled.
			assert.Equal(t, e["model"], rows[id][0].Model, id)
			assert.Equal(t, e["consumer"], rows[id][0].Consumer, id)
			assert.Equal(t, int64(e["total_tokens"].(int)), rows[id][0].Total, id)
		}
		var total int
		require.NoError(t, db.DB.QueryRow("SELECT COUNT(*) FROM `"+db.Name+"`.access_logs").Scan(&total))
		require.Equal(t, n, total, why)
	}

	requireExactlyOnce("first delivery")
	waitCaughtUp(t, adm, "writers", topic)

	// Redelivery, as after a writer crash before its offset commit: a new
	// group reads the topic from the start. The record uids fixed by the
	// agents absorb every second copy.
	startWriter("replay")
	waitCaughtUp(t, adm, "replay", topic)
	requireExactlyOnce("after consuming the topic twice")
}

func newKafkaClient(t *testing.T, brokers []string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// waitCaughtUp waits until group has committed, on every partition of
// topic, the end offset: every message was consumed and written.
func waitCaughtUp(t *testing.T, adm *kadm.Client, group, topic string) {
	t.Helper()
	var last string
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err != nil || ends.Error() != nil {
			last = fmt.Sprint("end offsets: ", err, ends.Error())
			return false
		}
		committed, err := adm.FetchOffsets(ctx, group)
		if err != nil {
			last = fmt.Sprint("committed offsets: ", err)
			return false
		}
		caughtUp := true
		ends.Each(func(end kadm.ListedOffset) {
			if end.Offset == 0 {
				return // nothing produced to this partition
			}
			c, ok := committed.Lookup(topic, end.Partition)
			if !ok || c.Err != nil || c.At != end.Offset {
				last = fmt.Sprintf("partition %d: committed %d of %d", end.Partition, c.At, end.Offset)
				caughtUp = false
			}
		})
		return caughtUp
	}, 60*time.Second, 100*time.Millisecond, "group %s not caught up: %s", group, func() string { return last }())
}
