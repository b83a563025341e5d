// queue-peer: client-go's workqueue under the same three loads as bench/queue.bench.ts drives ours, for
// a side-by-side figure. One JSON line per run: {"scenario","workers","ops","ms","opsPerSec","gomaxprocs"}.
//
//	queue-peer -scenario cycle|waiting-get|readd-held -workers 1 -ms 1000 -keys 1000
//
// Scenarios (one op = one add + get + done):
//   - cycle: a queue of `keys` items; each worker takes one, marks it done and adds it back.
//   - waiting-get: an empty queue; a producer adds one key and waits until a worker, already blocked
//     in Get, has taken it and marked it done (the cost of waking a waiting Get).
//   - readd-held: each worker takes an item, adds it again while still holding it (the queue only marks
//     it dirty), then marks it done (which is when the queue puts it back).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/util/workqueue"
)

func main() {
	scenario := flag.String("scenario", "cycle", "cycle, waiting-get or readd-held")
	workers := flag.Int("workers", 1, "concurrent workers (goroutines)")
	ms := flag.Int("ms", 1000, "measured milliseconds (after a warm-up as long)")
	keys := flag.Int("keys", 1000, "distinct items in the queue")
	flag.Parse()

	run(*scenario, *workers, *ms, *keys)
	ops, elapsed := run(*scenario, *workers, *ms, *keys)
	out, _ := json.Marshal(map[string]any{
		"scenario":   *scenario,
		"workers":    *workers,
		"ops":        ops,
		"ms":         float64(elapsed.Microseconds()) / 1000,
		"opsPerSec":  float64(ops) / elapsed.Seconds(),
		"gomaxprocs": runtime.GOMAXPROCS(0),
	})
	fmt.Println(string(out))
}

func run(scenario string, workers, ms, keys int) (int64, time.Duration) {
	q := workqueue.NewTyped[string]()
	var ops atomic.Int64
	deadline := time.Now().Add(time.Duration(ms) * time.Millisecond)
	// Counts one op; true when the time is up (the clock is read once every 1024 ops).
	tick := func() bool { return ops.Add(1)&1023 == 0 && time.Now().After(deadline) }
	names := make([]string, keys)
	for i := range names {
		names[i] = fmt.Sprintf("ns/item-%d", i)
	}
	var wg sync.WaitGroup
	start := time.Now()
	switch scenario {
	case "cycle", "readd-held":
		readd := scenario == "readd-held"
		for _, k := range names {
			q.Add(k)
		}
		for w := 0; w < workers; w++ {
			wg.Go(func() {
				for {
					item, shutdown := q.Get()
					if shutdown {
						return
					}
					if readd {
						q.Add(item) // held: marked dirty, queued again by Done
						q.Done(item)
					} else {
						q.Done(item)
						q.Add(item)
					}
					if tick() {
						q.ShutDown()
					}
				}
			})
		}
	case "waiting-get":
		taken := make(chan struct{})
		for w := 0; w < workers; w++ {
			wg.Go(func() {
				for {
					item, shutdown := q.Get()
					if shutdown {
						return
					}
					q.Done(item)
					taken <- struct{}{}
				}
			})
		}
		for i := 0; ; i++ {
			q.Add(names[i%keys])
			<-taken
			if tick() {
				break
			}
		}
		q.ShutDown()
	default:
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", scenario)
		os.Exit(2)
	}
	wg.Wait()
	return ops.Load(), time.Since(start)
}
