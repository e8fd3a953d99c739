package web

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/vigie-platform/vigie/audit"
)

// Handler wraps the mux that holds every route in what every request goes
// through: panics recovered, the request logged and measured, the
// security headers set, and cross-origin protection, which refuses a
// state-changing request that a browser says comes from another site
// (Sec-Fetch-Site, Origin); API clients send neither header and pass.
func (k *Kit) Handler(mux http.Handler) http.Handler {
	return k.recoverPanics(k.observe(k.securityHeaders(k.auditSource(http.NewCrossOriginProtection().Handler(mux)))))
}

// auditSource puts the client's address in the request's context, where
// the services find it for the audit entries of what the request does.
func (k *Kit) auditSource(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(audit.WithSource(r.Context(), k.ClientIP(r))))
	})
}

// securityHeaders sets what every response needs: no inline script, no
// framing, no sniffing; and, on a request that came over TLS, HSTS, so
// that browsers never fall back to plain HTTP for the platform.
func (k *Kit) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if k.overTLS(r) {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs and measures each request. Client addresses are not logged:
// the platform keeps no IP of the public.
func (k *Kit) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		k.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
		k.metrics.duration.WithLabelValues(route).Observe(elapsed.Seconds())
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelError
		}
		k.Logger.Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", rec.status,
			"bytes", rec.bytes, "duration_ms", float64(elapsed.Microseconds())/1000)
	})
}

func (k *Kit) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				k.Logger.Error("panic", "route", r.Pattern, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
