package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/altcha"
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/diagnosis"
	"github.com/vigie-platform/vigie/export"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/geo"
	"github.com/vigie-platform/vigie/hosting"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/installation"
	"github.com/vigie-platform/vigie/news"
	"github.com/vigie-platform/vigie/ratelimit"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/retention"
	"github.com/vigie-platform/vigie/safehttp"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/visit"
	"github.com/vigie-platform/vigie/wave"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/portal"
	"github.com/vigie-platform/vigie/web/server"
	"github.com/vigie-platform/vigie/web/workspace"
)

func runServe(ctx context.Context, e env, args []string) error {
	fs, sf := storeFlagSet("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	taxonomyFile := fs.String("taxonomy", "", "taxonomy file (JSON) replacing the embedded default")
	nextStepsFile := fs.String("next-steps", "", "file (JSON) of the next steps a receipt gives per category (a complaint, the bank, whom to call), replacing the embedded default")
	diagnosisFile := fs.String("diagnosis", "", "guided diagnosis file (JSON: doors, questions, rules) replacing the embedded default")
	installationFile := fs.String("installation", "", "installation file (JSON: publisher, host, data protection, accessibility, contact, frame_ancestors of /embed, home order) replacing the embedded default")
	adviceDir := fs.String("advice", "", "folder of prevention articles (fr/<category>.md, en/<category>.md) replacing the embedded ones")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	formRate := fs.Float64("form-rate", 5, "reports per minute accepted from one address on the public form")
	formBurst := fs.Float64("form-burst", 10, "burst of reports allowed from one address on the public form")
	followRate := fs.Float64("follow-up-rate", 20, "follow-up look-ups per minute from one address")
	realIPHeader := fs.String("real-ip-header", "", "header carrying the client address when behind a trusted proxy (e.g. X-Forwarded-For)")
	trustedProxies := fs.String("trusted-proxies", "", "with --real-ip-header: the proxies (addresses and CIDR prefixes, comma-separated) whose additions to it are believed; loopback only by default")
	warningListFile := fs.String("warning-list", "", "warning list file (JSON) replacing the embedded one: values that must not link reports, and the cap per value")
	region := fs.String("phone-region", "FR", "country assumed for phone numbers written without international prefix")
	powWork := fs.Int64("pow-max-number", 50000, "proof-of-work difficulty: the browser tries half of this on average")
	shutdownWait := fs.Duration("shutdown-timeout", 30*time.Second, "how long shutdown waits for requests in flight")
	headerTimeout := fs.Duration("read-header-timeout", 10*time.Second, "time a client has to send its request headers")
	readTimeout := fs.Duration("read-timeout", 2*time.Minute, "time a client has to send a whole request, uploads included")
	var rf routingFlags
	rf.register(fs)
	abuseDirectory := fs.String("abuse-directory", "", "abuse contacts directory (lines: asn|domain|name KEY CONTACT) replacing the embedded one, for hosting traces")
	smtpAddr := fs.String("smtp-addr", "", "SMTP server (host:port) for destinations reached by e-mail")
	smtpFrom := fs.String("smtp-from", "", "sender address of referral e-mails")
	publicURL := fs.String("public-url", "", "the address people reach the platform at (e.g. https://vigie.example.org): with --smtp-addr, new accounts get their activation link by e-mail, built on it")
	smtpUser := fs.String("smtp-user", "", "SMTP user name; the password is read from VIGIE_SMTP_PASSWORD")
	loginRate := fs.Float64("login-rate", 10, "workspace login attempts per minute from one address (accounts also lock after 5 failures)")
	insecureCookies := fs.Bool("insecure-cookies", false, "send the workspace session cookie without the Secure flag (only for plain HTTP other than localhost)")
	metricsToken := fs.String("metrics-token", "", "bearer token that /metrics asks for (better given as VIGIE_METRICS_TOKEN); without it, /metrics is off")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate (PEM, the chain included); without it, put a TLS proxy in front")
	tlsKey := fs.String("tls-key", "", "the private key (PEM) of --tls-cert")
	publicOrigin := fs.String("public-origin", "", "the workspace's public origin as browsers show it (e.g. https://vigie.example): passkeys are bound to it; by default http://localhost:PORT (https with --tls-cert), PORT being the one listened on")
	passkeyRPID := fs.String("passkey-rp-id", "", "relying party id of passkeys: the host of --public-origin (default) or a registrable suffix of it, so that passkeys outlive a change of sub-domain")
	requirePasskey := fs.String("require-passkey-for", "", "roles (comma-separated: admin,supervisor,analyst,auditor,destination) or \"all\" that must sign in with a passkey; TOTP alone then only lets them register one")
	tokenTTL := fs.Duration("token-cache", 5*time.Second, "how long an API token read from the store is trusted in memory (a revocation made on another instance takes effect within it)")
	profilePath := fs.String("cpuprofile", "", "write a CPU profile of the server's whole run to this file (for measurements)")
	linkers := fs.Int("linkers", 0, "linkers sharing the queue of reports to link in this instance (0: the store's default, 1 on SQLite, which has one writer, "+fmt.Sprint(pgLinkers)+" on PostgreSQL)")
	exportNamespace := fs.String("export-namespace", "", "namespace (a UUID) of the ids of STIX and MISP exports; by default derived from a key the store keeps, stable for this installation: give it only to keep the ids of an installation moved to a new store")
	alertsTo := fs.String("alerts-to", "", "destination (code from the registry, reached by webhook or e-mail) that receives alerts: the on-call service; without it, alerts show in the workspace only")
	alertMin := fs.Int("alert-min", alert.DefaultRule.MinCount, "reports in the last hour an identifier needs before it can raise an alert")
	alertFactor := fs.Float64("alert-factor", alert.DefaultRule.Factor, "an identifier raises an alert when its reports in the last hour pass this many times its hourly mean over the week before")
	alertEvery := fs.Duration("alert-interval", 15*time.Second, "how often each instance looks for spreading identifiers")
	feedGrace := fs.Duration("feed-grace", 48*time.Hour, "how long an approved blocking request stays in the disruption feeds after its content was confirmed gone")
	feedCheck := fs.Duration("feed-check", feed.DefaultCheck, "how often an instance looks whether the blocklist changed (at most, on a download): with one generation, the bound of the time from an approval to the feeds")
	rpzZone := fs.String("rpz-zone", feed.DefaultZone, "name of the RPZ zone served at /feeds/blocklist.rpz (the name resolvers are configured with)")
	paymentFeedTo := fs.String("payment-feed-to", "", "destination (code from the registry, reached by webhook) that receives the payment identifiers feed, signed, every --payment-feed-every")
	paymentFeedEvery := fs.Duration("payment-feed-every", 2*time.Hour, "period of the payment identifiers feed's push (--payment-feed-to)")
	paymentMinReports := fs.Int("payment-feed-min-reports", feed.DefaultPaymentRule.MinReports, "distinct reports kept in a case that must name a payment identifier before banks receive it (a victim names their own account in their own report)")
	paymentMaxAge := fs.Duration("payment-feed-max-age", feed.DefaultPaymentRule.MaxAge, "a payment identifier leaves the feed when no report kept in a case named it for this long")
	webhookLoopback := fs.Bool("webhook-allow-loopback", false, "FOR TESTS ONLY: let webhook deliveries reach loopback addresses (127.0.0.0/8, ::1), which the SSRF guard otherwise refuses, to try a receiver on this machine")
	floodLimit := fs.Int("flood-limit", bank.DefaultFloodLimit, "known content: past this many reports matching one bank entry in an hour, the others are gathered into the first as one queue item")
	matchMedia := fs.Bool("match-media", true, "known content: hash and match reports' media after their acknowledgement (off: they wait in the match queue, for measurements)")
	matchDistance := fs.Int("match-distance", bank.DefaultDistance, "known content: the PDQ Hamming distance (of 256 bits) within which an image matches a bank entry")
	noticeCheckEvery := fs.Duration("notice-check-interval", 30*time.Second, "how often each instance looks for removal notices due for a check (each notice has its own schedule: every 15 minutes while a removal order's hour runs, then less often) or for mailing")
	noticeFrom := fs.String("notice-from", "", "sender address of removal notices mailed to hosts (X-ARF); default --smtp-from. Notices are mailed only with --smtp-addr and --public-url")
	auditCheckpoints := new(checkpointFlags) // signed checkpoints of the audit trail (auditcheckpoint.go)
	auditCheckpoints.register(fs, true)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if err := checkPublicURL(*publicURL); err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if *tlsCert != "" {
		if _, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey); err != nil {
			return fmt.Errorf("--tls-cert, --tls-key: %w", err)
		}
	}
	passkeys := account.PasskeyConfig{Origin: *publicOrigin, RPID: *passkeyRPID}
	for _, name := range strings.Split(*requirePasskey, ",") {
		switch name = strings.TrimSpace(name); name {
		case "":
		case "all":
			passkeys.RequireAll = true
		default:
			role, err := account.ParseRole(name)
			if err != nil {
				return fmt.Errorf("--require-passkey-for: %w", err)
			}
			passkeys.Require = append(passkeys.Require, role)
		}
	}
	if passkeys.Origin != "" {
		if err := account.CheckPasskeyConfig(passkeys); err != nil {
			return fmt.Errorf("--public-origin, --passkey-rp-id: %w", err)
		}
	}
	stopProfile, err := cpuProfile(*profilePath)
	if err != nil {
		return err
	}
	defer stopProfile()
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))

	rule := alert.DefaultRule
	rule.MinCount, rule.Factor = *alertMin, *alertFactor
	if err := rule.Check(); err != nil {
		return err
	}
	if *alertEvery < time.Second {
		return fmt.Errorf("--alert-interval %s: at least a second", *alertEvery)
	}
	tax, err := taxonomy.Load(*taxonomyFile)
	if err != nil {
		return err
	}
	nextSteps, err := taxonomy.LoadNextSteps(*nextStepsFile, tax)
	if err != nil {
		return err
	}
	doors, err := diagnosis.Load(*diagnosisFile, tax)
	if err != nil {
		return err
	}
	inst, err := installation.Load(*installationFile, tax)
	if err != nil {
		return err
	}
	articles, err := advice.LoadDir(*adviceDir)
	if err != nil {
		return err
	}
	list, err := correlate.LoadWarningList(*warningListFile)
	if err != nil {
		return err
	}
	db, kind, err := sf.open(ctx)
	if n := sf.keyNotice(); n != "" {
		logger.Warn(n) // encryption at rest: a key made beside the data
	}
	if err != nil {
		return err
	}
	defer db.Close()
	checkpoints, err := auditCheckpoints.checkpointer(db, logger)
	if err != nil {
		return err
	}
	routes, err := rf.load()
	if err != nil {
		return err
	}
	defer routes.close()
	tracer, err := hostingTracer(*abuseDirectory, routes.gatherer.Locator)
	if err != nil {
		return err
	}
	var onCall destination.Destination
	if *alertsTo != "" {
		d, ok := routes.registry.Lookup(*alertsTo)
		if !ok {
			return fmt.Errorf("--alerts-to %s: no such destination in the registry", *alertsTo)
		}
		if t := d.Channel.Type; t != "webhook" && t != "email" {
			return fmt.Errorf("--alerts-to %s: reached by %q; alerts go by webhook or email", *alertsTo, t)
		}
		onCall = d
	}
	var paymentDest destination.Destination
	if *paymentFeedTo != "" {
		d, ok := routes.registry.Lookup(*paymentFeedTo)
		if !ok {
			return fmt.Errorf("--payment-feed-to %s: no such destination in the registry", *paymentFeedTo)
		}
		if d.Channel.Type != "webhook" {
			return fmt.Errorf("--payment-feed-to %s: reached by %q; the payment feed goes by webhook", *paymentFeedTo, d.Channel.Type)
		}
		if *paymentFeedEvery < time.Minute {
			return fmt.Errorf("--payment-feed-every %s: a minute at least", *paymentFeedEvery)
		}
		paymentDest = d
	}
	if *feedCheck < 100*time.Millisecond {
		return fmt.Errorf("--feed-check %s: 100ms at least", *feedCheck)
	}
	paymentRule := feed.PaymentRule{MinReports: max(*paymentMinReports, 1), MaxAge: *paymentMaxAge}
	blocklist := &feed.Cache{Store: db, Check: *feedCheck,
		Options: feed.Options{Grace: *feedGrace, Zone: *rpzZone, Shared: feed.SharedBy(list)},
		Fresh: func(name string, lag time.Duration) {
			logger.Info("feed freshness: an approval is served", "feed", name, "after", lag.Round(time.Millisecond).String())
		}}

	powKey, err := db.Key(ctx, "altcha")
	if err != nil {
		return err
	}
	exportNS, err := installationNamespace(ctx, db, *exportNamespace)
	if err != nil {
		return err
	}
	if *webhookLoopback {
		// Loud on purpose: in production this lets a destinations file
		// reach services listening on the server itself.
		logger.Warn("SSRF GUARD RELAXED: --webhook-allow-loopback lets webhook deliveries reach loopback addresses; for tests only, never in production")
		fmt.Fprintln(e.stderr, "WARNING: --webhook-allow-loopback is set: webhooks may be posted to this machine's own services (tests only)")
	}
	intake, err := newIntake(ctx, db, tax, nil)
	if err != nil {
		return err
	}
	// Waiting reports keep the deadlines of the taxonomy they came under
	// until the server follows this one's target times.
	if moved, err := db.Retarget(ctx, tax.Targets()); err != nil {
		return fmt.Errorf("recompute deadlines: %w", err)
	} else if moved > 0 {
		logger.Info("deadlines recomputed from the taxonomy's target times", "reports", moved)
	}
	linker := correlate.NewLinker(db, list, indicator.Options{Region: *region}, logger)
	// Known content: every bank entry in memory, loaded before serving and
	// kept current from the store; reports' media are matched after their
	// acknowledgement, like linking.
	matcher := bank.NewMatcher(db, *matchDistance, logger)
	loadStart := time.Now()
	if err := matcher.Refresh(ctx); err != nil {
		return fmt.Errorf("load hash banks: %w", err)
	}
	logger.Info("hash banks loaded", "entries", matcher.Len(), "seconds", time.Since(loadStart).Seconds())
	mediaMatcher := bank.NewWorker(db, matcher, logger, nil)
	mediaMatcher.FloodLimit, mediaMatcher.LinkCap = *floodLimit, list.Cap
	banks := bank.NewService(db, db, nil)
	banks.LinkCap = list.Cap
	intake.OnStored(func() {
		linker.Notify()
		mediaMatcher.Notify()
	})
	// Linked reports join waves right after each round of linking, in
	// the linker's goroutine: intake never waits for it.
	waves := wave.NewAssigner(db, list, indicator.Options{Region: *region})
	linker.Then(func(ctx context.Context) error {
		_, err := waves.Drain(ctx, 500)
		return err
	})
	visits := visit.NewCounter(db, logger, nil)
	trusted, err := web.ParseProxies(*trustedProxies)
	if err != nil {
		return err
	}
	limits := web.Limits{
		Form:     ratelimit.PerMinute(*formRate, *formBurst),
		FollowUp: ratelimit.PerMinute(*followRate, *followRate),
		Proxies:  web.Proxies{Header: *realIPHeader, Trusted: trusted},
		Login:    ratelimit.PerMinute(*loginRate, *loginRate),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if passkeys.Origin == "" {
		scheme := "http"
		if *tlsCert != "" {
			scheme = "https"
		}
		passkeys.Origin = fmt.Sprintf("%s://localhost:%d", scheme, ln.Addr().(*net.TCPAddr).Port)
	}
	// News to reporters who ask for it: offered only when mail can go out
	// and its links can be built (--smtp-addr, --smtp-from, --public-url).
	var newsService *news.Service
	var newsWorker *news.Worker
	if *smtpAddr != "" && *smtpFrom != "" && *publicURL != "" {
		key, err := db.Key(ctx, "news")
		if err != nil {
			return err
		}
		tokens := news.NewTokens(key)
		newsService = &news.Service{Store: db, Tokens: tokens}
		newsWorker = &news.Worker{Store: db, Tokens: tokens, BaseURL: *publicURL, Compose: portal.NewsMessage, Logger: logger,
			Mailer: delivery.Email{Addr: *smtpAddr, From: *smtpFrom, Auth: smtpAuth(*smtpAddr, *smtpUser, e.getenv("VIGIE_SMTP_PASSWORD")), RequireTLS: *smtpUser != ""}}
	} else if *smtpAddr != "" {
		logger.Warn("news to reporters are off: they need --smtp-from and --public-url besides --smtp-addr")
	}
	policy := account.DefaultPolicy()
	policy.Passkeys = passkeys
	handler := server.New(server.Deps{
		Logger:  logger,
		Intake:  intake,
		Reports: db,
		Index:   db,
		Tokens:  apitoken.NewCache(db, *tokenTTL, nil),
		Visits:  visits,
		Altcha:  altcha.New(powKey, *powWork, 10*time.Minute, db, nil),
		Ready:   db.Ping,
		Limits:  limits,
		Metrics: prometheus.NewRegistry(),

		Accounts:        account.NewService(db, policy, nil),
		Cases:           casefile.NewService(db, tax, nil),
		Triage:          triage.NewService(db, db, db, nil),
		Workspace:       db,
		InsecureCookies: *insecureCookies,
		Mailer:          activationMailer(*smtpAddr, *smtpFrom, *smtpUser, e.getenv("VIGIE_SMTP_PASSWORD")),
		PublicURL:       *publicURL,
		ExportNamespace: exportNS,
		MetricsToken:    *metricsToken,
		News:            newsService,
		NextSteps:       nextSteps,
		Destinations:    routes.registry,
		Routing:         routes.rules,
		Gatherer:        routes.gatherer,
		Stats:           db,
		Advice:          articles,
		Diagnosis:       doors,
		Installation:    inst,
		// Removal checks fetch reported URLs (never minors.*) through the guard.
		Checker:   safehttp.NewClient(safehttp.Options{Timeout: 15 * time.Second}),
		Banks:     banks,
		BankStore: db,
		Hosting:   &hosting.Service{Tracer: tracer, Store: db},

		Blocklist:   blocklist,
		FeedStore:   db,
		PaymentRule: paymentRule,
	})

	srv := &http.Server{
		Handler: handler,
		// Slow clients must not hold connections: headers within 10 s, a
		// whole upload (52 MiB at most) within two minutes, by default.
		ReadHeaderTimeout: *headerTimeout,
		ReadTimeout:       *readTimeout,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	bgCtx, stopBackground := context.WithCancel(context.Background())
	var background sync.WaitGroup
	background.Go(func() { visits.Run(bgCtx, 10*time.Second) })
	background.Go(func() { linker.RunWorkers(bgCtx, 250*time.Millisecond, linkersFor(kind, *linkers)) })
	background.Go(func() { matcher.Run(bgCtx, bank.DefaultRefresh) })
	if *matchMedia {
		background.Go(func() { mediaMatcher.Run(bgCtx, time.Second) })
	}
	// Full-text indexing after linking (PostgreSQL; a no-op on SQLite).
	background.Go(func() { indexText(bgCtx, db, logger) })
	// Referrals to webhook and file destinations; every instance runs a
	// worker, and the store hands each delivery to one of them.
	deliveries := &delivery.Worker{Store: db, Logger: logger, Senders: map[string]delivery.Sender{
		"webhook": delivery.Webhook{Client: webhookClient(*webhookLoopback), Secret: func(dest string) (string, error) {
			d, ok := routes.registry.Lookup(dest)
			if !ok || d.Channel.SecretEnv == "" {
				return "", fmt.Errorf("no webhook secret configured for %s", dest)
			}
			secret := e.getenv(d.Channel.SecretEnv)
			if secret == "" {
				return "", fmt.Errorf("%s is empty: the webhook of %s cannot be signed", d.Channel.SecretEnv, dest)
			}
			return secret, nil
		}},
		"file":  delivery.File{},
		"email": delivery.Email{Addr: *smtpAddr, From: *smtpFrom, Auth: smtpAuth(*smtpAddr, *smtpUser, e.getenv("VIGIE_SMTP_PASSWORD")), RequireTLS: *smtpUser != ""},
	}}
	background.Go(func() { deliveries.Run(bgCtx, 5*time.Second) })
	detector := &alert.Detector{Store: db, Rule: rule, Logger: logger}
	if *alertsTo != "" {
		detector.Notifier = onCallNotifier{dest: onCall, webhook: deliveries.Senders["webhook"], mail: deliveries.Senders["email"].(delivery.Email), publicURL: *publicURL}
	}
	background.Go(func() { detector.Run(bgCtx, *alertEvery) })
	// The blocklist is loaded and kept made ahead of downloads.
	background.Go(func() {
		blocklist.Run(bgCtx, *feedCheck, func(err error) { logger.Error("blocklist", "err", err) })
	})
	if *paymentFeedTo != "" {
		pusher := &feed.Pusher{Store: db, Sender: deliveries.Senders["webhook"], Destination: paymentDest.Code, Channel: "webhook",
			Target: paymentDest.Channel.URL, Every: *paymentFeedEvery, Rule: paymentRule, Logger: logger}
		background.Go(func() { pusher.Run(bgCtx, min(time.Minute, *paymentFeedEvery)) })
	}
	if newsWorker != nil {
		background.Go(func() { newsWorker.Run(bgCtx, newsInterval) })
	}
	// Removal notices: re-checks, escalation, mailing (issue 15, part 2).
	for _, w := range noticeWorkers(db, tax, logger, *smtpAddr, *smtpUser, e.getenv("VIGIE_SMTP_PASSWORD"), cmp.Or(*noticeFrom, *smtpFrom), *publicURL) {
		background.Go(func() { w(bgCtx, *noticeCheckEvery) })
	}
	background.Go(func() { refreshStats(bgCtx, db, logger, time.Minute) })
	background.Go(func() { checkpoints.run(bgCtx) })
	// Retention, daily. Instances may overlap: a purge is idempotent and
	// each batch is one transaction.
	background.Go(func() {
		retention.Run(bgCtx, db, tax, func(res retention.Result, err error) {
			if err != nil {
				logger.Error("retention purge", "err", err)
			} else if res.Total() > 0 || res.Cases > 0 {
				logger.Info("retention purge", "reports", res.Total(), "attachments", res.Blobs, "cases", res.Cases)
			}
		})
	})

	serveErr := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			serveErr <- srv.ServeTLS(ln, *tlsCert, *tlsKey)
			return
		}
		serveErr <- srv.Serve(ln)
	}()
	logger.Info("listening", "addr", ln.Addr().String(), "tls", *tlsCert != "", "public_origin", passkeys.Origin, "store", kind, "version", version)

	select {
	case err := <-serveErr:
		stopBackground()
		background.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *shutdownWait)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stopBackground()
	background.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// pgLinkers is how many linkers an instance runs on PostgreSQL by default.
// One kept within 0.6 s of a steady 2,000 reports/s on two cores, but
// ended a saturating load (3,300 reports/s) 2,000 reports behind; two
// halved the worst lag at both loads (BENCHMARKS.md, 2026-12-02): while
// one waits on its round trips and commit, the other extracts and writes.
const pgLinkers = 2

// linkersFor is the number of linkers to run: the flag's when set, else
// one on SQLite (a single writer: a second linker only waits for it) and
// pgLinkers on PostgreSQL.
func linkersFor(kind string, flag int) int {
	switch {
	case flag > 0:
		return flag
	case kind == "postgres":
		return pgLinkers
	default:
		return 1
	}
}

// refreshStats keeps the daily figures current: once over every day when
// none exist yet (a store from before the statistics, or after a demo),
// then the last two days every interval. Several instances may run it:
// the store serialises the recomputations.
func refreshStats(ctx context.Context, db store, logger *slog.Logger, interval time.Duration) {
	since := time.Now().AddDate(0, 0, -2)
	if rows, err := db.StatsRows(ctx, time.Unix(0, 0), time.Now().AddDate(0, 0, 1)); err == nil && !hasMetric(rows, stats.Reports) {
		since = time.Unix(0, 0)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := db.RefreshStats(ctx, since); err != nil && ctx.Err() == nil {
			logger.Error("statistics refresh", "err", err)
		}
		since = time.Now().AddDate(0, 0, -2)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func hasMetric(rows []stats.Row, metric string) bool {
	for _, r := range rows {
		if r.Metric == metric {
			return true
		}
	}
	return false
}

// noticeWorkers are the notices' background work: the scheduler, on
// every instance (the store hands each due notice to one of them), and
// the mail worker when mail can go out and the report's schema URL can
// be built. The scheduler fetches through the SSRF guard, never for a
// never-fetch category.
func noticeWorkers(db storage.Store, tax *taxonomy.Taxonomy, logger *slog.Logger, smtpAddr, smtpUser, smtpPassword, from, publicURL string) []func(context.Context, time.Duration) {
	sch := &removal.Scheduler{Store: db, Logger: logger,
		Client: safehttp.NewClient(safehttp.Options{Timeout: 15 * time.Second}),
		NeverFetch: func(category string) bool {
			c, ok := tax.Lookup(category)
			return ok && c.NeverFetch
		}}
	out := []func(context.Context, time.Duration){sch.Run}
	if smtpAddr == "" || from == "" || publicURL == "" {
		if smtpAddr != "" {
			logger.Warn("removal notices are not mailed: they need --smtp-from (or --notice-from) and --public-url besides --smtp-addr")
		}
		return out
	}
	mw := &removal.MailWorker{Store: db, Logger: logger,
		Mailer: delivery.Email{Addr: smtpAddr, From: from, Auth: smtpAuth(smtpAddr, smtpUser, smtpPassword), RequireTLS: smtpUser != ""},
		From:   removal.MailFrom{Address: from, BaseURL: publicURL},
		Label: func(category string) string {
			if c, ok := tax.Lookup(category); ok {
				return c.Label.In("fr")
			}
			return ""
		}}
	return append(out, mw.Run)
}

// newsInterval is how often the news worker looks for messages to send:
// a status change reaches the reporter within it.
const newsInterval = 2 * time.Second

// activationMailer sends activation links through the SMTP server of
// referrals, when there is one.
func activationMailer(addr, from, user, password string) workspace.Mailer {
	if addr == "" || from == "" {
		return nil
	}
	return delivery.Email{Addr: addr, From: from, Auth: smtpAuth(addr, user, password), RequireTLS: user != ""}
}

// smtpAuth builds PLAIN authentication when a user is given; net/smtp
// sends it only over TLS or to localhost.
func smtpAuth(addr, user, password string) smtp.Auth {
	if user == "" {
		return nil
	}
	host, _, _ := net.SplitHostPort(addr)
	return smtp.PlainAuth("", user, password, host)
}

// indexText keeps the full-text index up with linked reports, in batches,
// whenever the store queues them. It is the least urgent work: it rests
// three times as long as each batch took, so under a burst intake and
// linking keep the cores and search catches up afterwards.
func indexText(ctx context.Context, db store, logger *slog.Logger) {
	for ctx.Err() == nil {
		start := time.Now()
		n, err := db.IndexPendingText(ctx, 200)
		if err != nil && ctx.Err() == nil {
			logger.Warn("text indexing", "err", err)
		}
		rest := 3 * time.Since(start)
		if n == 0 {
			rest = 200 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(rest):
		}
	}
}

// checkPublicURL accepts an absolute http(s) address with no query: links
// sent to people are built on it.
func checkPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--public-url: want an address such as https://vigie.example.org, not %q", raw)
	}
	return nil
}

// installationNamespace is the namespace of export ids: the one given, or
// one derived from the store's "export" key, made once and kept with the
// data (so every instance and every restart agree).
func installationNamespace(ctx context.Context, keys interface {
	Key(ctx context.Context, name string) ([]byte, error)
}, given string) (uuid.UUID, error) {
	if given != "" {
		ns, err := uuid.Parse(given)
		if err != nil || ns == uuid.Nil {
			return uuid.Nil, fmt.Errorf("--export-namespace: not a UUID: %q", given)
		}
		return ns, nil
	}
	key, err := keys.Key(ctx, "export")
	if err != nil {
		return uuid.Nil, fmt.Errorf("export namespace: %w", err)
	}
	return export.InstallationNamespace(key), nil
}

// webhookClient is the SSRF-guarded client of webhook deliveries, bounded
// by the webhook timeout; allowLoopback (--webhook-allow-loopback, tests
// only) lets it reach this machine's own addresses.
func webhookClient(allowLoopback bool) *http.Client {
	return safehttp.NewClient(safehttp.Options{Timeout: delivery.WebhookTimeout, AllowLoopback: allowLoopback})
}

// hostingTracer builds the hosting trace: names resolved by the system,
// networks from the GeoIP databases when given, contacts from the
// directory (the embedded one unless a file replaces it), then
// security.txt through the SSRF guard with a short timeout.
func hostingTracer(directory string, locator geo.Locator) (*hosting.Tracer, error) {
	dir := hosting.Default()
	if directory != "" {
		var err error
		if dir, err = hosting.LoadDirectory(directory); err != nil {
			return nil, fmt.Errorf("--abuse-directory: %w", err)
		}
	}
	return &hosting.Tracer{
		Resolver:  net.DefaultResolver,
		Locator:   locator,
		Directory: dir,
		Fetcher:   hosting.ClientFetcher{Client: safehttp.NewClient(safehttp.Options{Timeout: 5 * time.Second, MaxRedirects: 2})},
		Timeout:   5 * time.Second,
	}, nil
}
