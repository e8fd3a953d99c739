package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

func runBench(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "workspace" {
		return runBenchWorkspace(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "correlate" {
		return runBenchCorrelate(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "audit" {
		return runBenchAudit(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "hashes" {
		return runBenchHashes(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "alerts" {
		return runBenchAlerts(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "waves" {
		return runBenchWaves(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "notices" {
		return runBenchNotices(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "intake" {
		fmt.Fprintln(e.stdout, "Usage: vigie bench intake|correlate|workspace|audit|hashes|alerts|waves|notices [flags]\n\n  intake     starts `vigie serve` as a child process on a store, drives the\n             reporting API with concurrent clients, then measures a bare store\n             insert of the same reports without HTTP as a ceiling\n  correlate  fills a store with demo reports, rebuilds the index, then times\n             linking new reports and paging the reports of a shared value\n  workspace  fills a store with demo reports (a year, the backlog handled),\n             then times the queue, report and search pages\n  audit      fills a store's audit trail (1 million entries), then times\n             audit verify against a signed checkpoint\n  hashes     builds the PDQ Hamming index over random and clustered hashes,\n             times queries against it and against a brute-force scan\n  alerts     a week of reports in a store, then identifiers that spread: the\n             delay from the crossing report to its alert\n  waves      fills a store with demo reports and their ground truth, then\n             prints precision=P recall=R of the waves over pairs of reports\n             and the queue items per 100 waiting reports\n  notices    100,000 open removal notices in a store, then the scheduler's\n             idle pass, the claim of due batches and whole passes")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("bench: name a benchmark (intake, correlate, workspace, audit)")
	}
	fs, sf := storeFlagSet("bench intake")
	fs.Lookup("data").DefValue = ""
	sf.data = ""
	clients := fs.Int("clients", 32, "concurrent API clients")
	duration := fs.Duration("duration", 60*time.Second, "measured time for each phase")
	warmup := fs.Duration("warmup", 3*time.Second, "unmeasured load before each phase")
	serverProfile := fs.String("server-cpuprofile", "", "have the server write a CPU profile of its run to this file")
	rate := fs.Float64("rate", 0, "open-loop load: reports per second sent on a fixed schedule, spread over the clients (0: each client sends as fast as it is answered)")
	linkers := fs.Int("linkers", 0, "the server's --linkers (0: its default for the store)")
	withBare := fs.Bool("bare", true, "also measure the bare store insert after the API (the ceiling)")
	images := fs.Bool("images", false, "attach a 1024x768 JPEG photograph to every report (multipart), matched after acknowledgement against a bank of --bank-entries PDQ hashes: run with and without to compare")
	matchMedia := fs.Bool("match", true, "with --images: let the server match media while it takes reports (false: the cost of the uploads alone)")
	bankEntries := fs.Int("bank-entries", 100000, "with --images: random PDQ entries in the scratch store's bank (one per 50 images also matches)")
	db, kind, remove, err := sf.openScratch(ctx, e, fs, args[1:], "vigie-bench-")
	if err != nil {
		return err
	}
	defer remove()
	var pool [][]byte
	if *images {
		if pool, err = benchImageBank(ctx, db, *bankEntries); err != nil {
			db.Close()
			return err
		}
	}
	secret, hash := apitoken.New()
	name := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := db.CreateToken(ctx, apitoken.Token{Name: name, Hash: hash, Scopes: []string{apitoken.ScopeReportsWrite}, Rate: 0, CreatedAt: time.Now().UTC()}); err != nil {
		db.Close()
		return err
	}
	db.Close()

	self, err := os.Executable()
	if err != nil {
		return err
	}
	// The server's memory is read from its /metrics, behind a token of the
	// run's own.
	metricsToken := rand.Text()
	serveArgs := append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "info", "--metrics-token", metricsToken}, sf.args()...)
	if *serverProfile != "" {
		serveArgs = append(serveArgs, "--cpuprofile", *serverProfile)
	}
	if *linkers > 0 {
		serveArgs = append(serveArgs, "--linkers", strconv.Itoa(*linkers))
	}
	if !*matchMedia {
		serveArgs = append(serveArgs, "--match-media=false")
	}
	server := exec.CommandContext(ctx, self, serveArgs...)
	stderr, err := server.StderrPipe()
	if err != nil {
		return err
	}
	if err := server.Start(); err != nil {
		return err
	}
	serverStopped := false
	stopServer := func() {
		if !serverStopped {
			serverStopped = true
			server.Process.Signal(os.Interrupt)
			server.Wait()
		}
	}
	defer stopServer()
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var v struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &v) == nil && v.Msg == "listening" {
				addrCh <- v.Addr
			}
		}
	}()
	var base string
	select {
	case a := <-addrCh:
		base = "http://" + a
	case <-time.After(30 * time.Second):
		return errors.New("bench: server did not start")
	}

	fmt.Fprintf(e.stdout, "store=%s clients=%d duration=%s warmup=%s rate=%s linkers=%s images=%t\n", kind, *clients, *duration, *warmup,
		cmpOr(*rate > 0, fmt.Sprintf("%.0f/s", *rate), "closed loop"), cmpOr(*linkers > 0, strconv.Itoa(*linkers), "default"), *images)
	transport := &http.Transport{MaxIdleConns: *clients * 2, MaxIdleConnsPerHost: *clients * 2}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	post := func(ctx context.Context, i int) error {
		body, ctype := io.Reader(strings.NewReader(benchBody(i))), "application/json"
		if *images {
			body, ctype = benchMultipart(i, pool)
		}
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/reports", body)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", ctype)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}

	probe, err := openLagProbe(sf)
	if err != nil {
		return err
	}
	defer probe.Close()
	var peakRSS atomic.Int64
	sampleCtx, stopSampling := context.WithCancel(ctx)
	go func() {
		for sampleCtx.Err() == nil {
			if rss, err := serverRSS(client, base, metricsToken); err == nil && rss > peakRSS.Load() {
				peakRSS.Store(rss)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	// How far linking is behind intake, every second of the load.
	lagCh := make(chan *lagTracker, 1)
	go func() { lagCh <- sampleLag(sampleCtx, probe, time.Second) }()
	api := drive(ctx, *clients, *warmup, *duration, *rate, post)
	stopSampling()
	lag := <-lagCh
	api.print(e.stdout, "api")
	fmt.Fprintf(e.stdout, "api server peak RSS: %.1f MB\n", float64(peakRSS.Load())/1e6)
	lag.print(e.stdout, "api")
	// The server links reports in the background while it takes them:
	// say how far behind it was when the load stopped, then how long it
	// takes to link what is left (up to a minute).
	if backlog, _, err := probe.read(ctx); err == nil {
		fmt.Fprintf(e.stdout, "api: reports waiting to be linked when the load stopped: %d\n", backlog)
	}
	stopped := time.Now()
	for time.Since(stopped) < time.Minute {
		if n, _, err := probe.read(ctx); err == nil && n == 0 {
			fmt.Fprintf(e.stdout, "api: queue empty %.1fs after the load stopped\n", time.Since(stopped).Seconds())
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if *images && *matchMedia {
		// Media are hashed and matched after the acknowledgement: how far
		// behind that was, and how long the rest took.
		var queued int64
		probe.db.QueryRowContext(ctx, `SELECT count(*) FROM match_queue`).Scan(&queued)
		fmt.Fprintf(e.stdout, "api: reports waiting to be matched: %d\n", queued)
		matchStopped := time.Now()
		for time.Since(matchStopped) < 5*time.Minute {
			if probe.db.QueryRowContext(ctx, `SELECT count(*) FROM match_queue`).Scan(&queued) == nil && queued == 0 {
				fmt.Fprintf(e.stdout, "api: match queue empty %.1fs after the load stopped\n", time.Since(stopped).Seconds())
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		var matched int64
		probe.db.QueryRowContext(ctx, `SELECT count(DISTINCT report_id) FROM report_matches`).Scan(&matched)
		fmt.Fprintf(e.stdout, "api: reports matched a bank entry: %d\n", matched)
	}

	// Stop the server, so that the ceiling below has the store to itself.
	stopServer()
	if !*withBare {
		return nil
	}
	db2, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db2.Close()

	// The ceiling: the same reports through the intake service straight
	// into the same store, no HTTP, no linking.
	intake, err := newIntake(ctx, db2, taxonomy.Default(), nil)
	if err != nil {
		return err
	}
	bare := drive(ctx, *clients, *warmup, *duration, 0, func(ctx context.Context, i int) error {
		var in apiReportForBench
		json.Unmarshal([]byte(benchBody(i)), &in)
		_, err := intake.Submit(ctx, report.Submission{Category: in.Category, Description: in.Description, URLs: in.URLs,
			SeenOn: in.SeenOn, Anonymous: true, Channel: report.ChannelAPI, TokenName: name})
		return err
	})
	bare.print(e.stdout, "bare")
	fmt.Fprintf(e.stdout, "api/bare throughput ratio: %.2f\n", api.rate()/bare.rate())
	return nil
}

type apiReportForBench struct {
	Category, Description, SeenOn string
	URLs                          []string
}

func benchBody(i int) string {
	return fmt.Sprintf(`{"category":"fraud.scam","description":"Bonjour, j'ai commandé un téléphone sur ce site le %d, payé par virement à l'IBAN FR76 3000 6000 0112 3456 7890 189, jamais reçu. Le vendeur ne répond plus au 06 12 34 56 78. Numéro de commande %d.","urls":["https://boutique-%d.example.fr/produit?id=%d","https://t.me/vendeur%d"],"seen_on":"Facebook"}`, i%28+1, i, i%500, i, i%97)
}

func serverRSS(client *http.Client, base, token string) (int64, error) {
	req, err := http.NewRequest("GET", base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return int64(f), err
		}
	}
	return 0, errors.New("no process_resident_memory_bytes")
}

type phase struct {
	count     int
	errors    int
	elapsed   time.Duration
	latencies []time.Duration
	firstErr  error
}

func (p phase) rate() float64 { return float64(p.count) / p.elapsed.Seconds() }

func (p phase) quantile(q float64) time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(p.latencies)))) - 1
	return p.latencies[max(i, 0)]
}

func (p phase) print(w io.Writer, name string) {
	fmt.Fprintf(w, "%s: %d reports in %.1fs = %.0f reports/s; latency p50=%.1fms p95=%.1fms p99=%.1fms max=%.1fms; errors=%d\n",
		name, p.count, p.elapsed.Seconds(), p.rate(), ms(p.quantile(.5)), ms(p.quantile(.95)), ms(p.quantile(.99)), ms(p.quantile(1)), p.errors)
	if p.firstErr != nil {
		fmt.Fprintf(w, "%s: first error: %v\n", name, p.firstErr)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func cmpOr(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// slot is when the i-th operation (from 0) of an open-loop load of rate
// per second that began at begin is due.
func slot(begin time.Time, i int64, rate float64) time.Time {
	return begin.Add(time.Duration(float64(i) / rate * float64(time.Second)))
}

// drive runs op from n goroutines: a warm-up, then a measured phase.
// With rate > 0 the load is open-loop: operation i is due at a fixed
// time (slot), taken by whichever goroutine is free, and its latency runs
// from that time, so that a server too slow for the rate shows in the
// latencies (and in a count short of the rate) instead of slowing the
// clients down.
func drive(ctx context.Context, n int, warmup, duration time.Duration, rate float64, op func(ctx context.Context, i int) error) phase {
	var seq atomic.Int64
	var measuring atomic.Bool
	var mu sync.Mutex
	var out phase
	begin := time.Now()
	stopAt := begin.Add(warmup + duration)
	var start time.Time
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			errs := 0
			var firstErr error
			for time.Now().Before(stopAt) && ctx.Err() == nil {
				i := seq.Add(1)
				t0 := time.Now()
				if rate > 0 {
					t0 = slot(begin, i-1, rate)
					if !t0.Before(stopAt) {
						break
					}
					time.Sleep(time.Until(t0))
				}
				err := op(ctx, int(i))
				if !measuring.Load() {
					continue
				}
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			out.latencies = append(out.latencies, local...)
			out.errors += errs
			if out.firstErr == nil {
				out.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	time.Sleep(warmup)
	start = time.Now()
	measuring.Store(true)
	wg.Wait()
	out.elapsed = time.Since(start)
	out.count = len(out.latencies)
	slices.Sort(out.latencies)
	return out
}
