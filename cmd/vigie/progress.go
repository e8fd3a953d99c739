package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// progress shows how a long job goes, for a person at a terminal: one line
// rewritten in place with the count, the rate and the time left. When the
// output is not a terminal (a log, a pipe, a test), it writes nothing: logs
// keep their one line per event.
type progress struct {
	w        io.Writer
	label    string
	unit     string
	total    int // 0 when unknown: no time left is shown
	start    time.Time
	shown    time.Time
	now      func() time.Time
	terminal bool
	wrote    bool
}

func newProgress(w io.Writer, label, unit string, total int) *progress {
	return &progress{w: w, label: label, unit: unit, total: total, now: time.Now, start: time.Now(), terminal: isTerminal(w)}
}

// isTerminal tells whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// Update shows done units, at most four times a second.
func (p *progress) Update(done int) {
	if !p.terminal {
		return
	}
	now := p.now()
	if now.Sub(p.shown) < 250*time.Millisecond {
		return
	}
	p.shown = now
	fmt.Fprintf(p.w, "\r\033[K%s", p.line(done, now))
	p.wrote = true
}

// Done ends the line, so that what is printed next starts on its own.
func (p *progress) Done() {
	if p.wrote {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (p *progress) line(done int, now time.Time) string {
	elapsed := now.Sub(p.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed.Seconds()
	}
	s := fmt.Sprintf("%s: %s", p.label, groupThousands(done))
	if p.total > 0 {
		s += " of " + groupThousands(p.total)
	}
	s += fmt.Sprintf(" %s, %s/s", p.unit, groupThousands(int(rate)))
	if p.total > 0 && rate > 0 && done < p.total {
		left := time.Duration(float64(p.total-done) / rate * float64(time.Second))
		s += ", " + left.Round(time.Second).String() + " left"
	}
	return s
}

// groupThousands writes n with commas between thousands (1,234,567).
func groupThousands(n int) string {
	digits := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var out []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, digits[i])
	}
	return sign + string(out)
}
