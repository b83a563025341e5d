// informer-peer: a client-go pod informer on one namespace, timed as bench/informer.bench.ts times ours.
// It prints one JSON line once the informer has synced and its one handler has been given every object
// of the initial list: the moment is read from the registration's synced channel (no polling).
//
//	informer-peer -kubeconfig FILE -namespace NS -count N [-json]
//
// The protocol follows client-go's WatchListClient feature gate, set by the environment:
// KUBE_FEATURE_WatchListClient=false is LIST then WATCH; =true streams the initial list as a watch.
//
// Wire format: by default the clientset as users get it. rest.Config's empty ContentType would mean JSON, but
// the generated typed clients of built-in types (gentype.PrefersProtobuf, v0.36) then ask for protobuf per
// request (Request.UseProtobufAsDefault). -json sets ContentType and Accept to JSON, the bytes kube-lessons
// parses. The media types of the responses actually received are read in a transport wrapper and
// reported, so the bench checks what was on the wire, not the flag.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"flag"
	"mime"
	"net/http"
	"sort"
	"sync"

	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig file")
	namespace := flag.String("namespace", "default", "namespace of the pods")
	count := flag.Int("count", 0, "pods expected in the cache")
	jsonWire := flag.Bool("json", false, "ask for JSON, as kube-lessons does, instead of the typed clients' default protobuf")
	flag.Parse()
	if err := run(*kubeconfig, *namespace, *count, *jsonWire); err != nil {
		fmt.Fprintln(os.Stderr, "informer-peer:", err)
		os.Exit(1)
	}
}

func liveHeap() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// mediaTypes records the media type (without parameters) of every response received through wrap.
type mediaTypes struct {
	mu   sync.Mutex
	seen map[string]bool
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func (m *mediaTypes) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil {
			mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			m.mu.Lock()
			m.seen[mt] = true
			m.mu.Unlock()
		}
		return resp, err
	})
}

func (m *mediaTypes) list() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.seen))
	for mt := range m.seen {
		out = append(out, mt)
	}
	sort.Strings(out)
	return out
}

func run(kubeconfig, namespace string, count int, jsonWire bool) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	if jsonWire {
		cfg.ContentType = "application/json"
		cfg.AcceptContentTypes = "application/json"
	}
	wire := &mediaTypes{seen: map[string]bool{}}
	cfg.Wrap(wire.wrap)
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(namespace))
	informer := factory.Core().V1().Pods().Informer()
	adds := 0
	reg, err := informer.AddEventHandler(cache.ResourceEventHandlerDetailedFuncs{AddFunc: func(any, bool) { adds++ }})
	if err != nil {
		return err
	}
	heapBefore := liveHeap()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := time.Now()
	factory.Start(ctx.Done())
	select {
	case <-reg.HasSyncedChecker().Done():
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("not synced after 2 minutes")
	}
	syncMs := float64(time.Since(started).Microseconds()) / 1000
	objects := len(informer.GetStore().ListKeys())
	heapAfter := liveHeap()
	peakRss, err := peakRssBytes()
	if err != nil {
		return err
	}
	if objects != count {
		return fmt.Errorf("cached %d of %d pods", objects, count)
	}
	out, _ := json.Marshal(map[string]any{
		"syncMs":       syncMs,
		"objects":      objects,
		"handlerAdds":  adds,
		"heapBytes":    heapAfter,
		"heapGrowth":   int64(heapAfter) - int64(heapBefore),
		"peakRssBytes": peakRss,
		"watchList":    clientfeatures.FeatureGates().Enabled(clientfeatures.WatchListClient),
		"wire":         wire.list(),
	})
	fmt.Println(string(out))
	return nil
}

// peakRssBytes reads VmHWM, the peak resident set of this process image. (getrusage's ru_maxrss is not used:
// after fork and exec it can report the parent's larger peak.)
func peakRssBytes() (int64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}
