// Package smtptest is an SMTP server in a test's process: it accepts
// every message (or refuses every recipient) and keeps what it got, so
// that tests read the e-mails the platform sends without a mail server.
package smtptest

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server keeps the messages (their DATA, dot-stuffing undone) and the
// recipients it was given.
type Server struct {
	Addr string
	// Refuse answers 550 to every recipient.
	Refuse bool

	mu         sync.Mutex
	recipients []string
	messages   []string
}

// Start listens on a free loopback port until the test ends.
func Start(t *testing.T) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &Server{Addr: ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.session(conn)
		}
	}()
	return s
}

func (s *Server) session(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) { conn.Write([]byte(line + "\r\n")) }
	say("220 smtptest ESMTP")
	var data strings.Builder
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if inData {
			if line == ".\r\n" {
				inData = false
				s.mu.Lock()
				s.messages = append(s.messages, data.String())
				s.mu.Unlock()
				data.Reset()
				say("250 queued")
				continue
			}
			data.WriteString(strings.TrimPrefix(line, "."))
			continue
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 smtptest")
		case strings.HasPrefix(cmd, "RCPT TO"):
			s.mu.Lock()
			refuse := s.Refuse
			if !refuse {
				s.recipients = append(s.recipients, strings.TrimSpace(line[len("RCPT TO:"):]))
			}
			s.mu.Unlock()
			if refuse {
				say("550 no such user")
				continue
			}
			say("250 ok")
		case cmd == "DATA":
			inData = true
			say("354 go on")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// SetRefuse makes the server refuse (or accept again) every recipient.
func (s *Server) SetRefuse(refuse bool) {
	s.mu.Lock()
	s.Refuse = refuse
	s.mu.Unlock()
}

// Messages returns the messages received so far.
func (s *Server) Messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.messages...)
}

// Recipients returns the recipients accepted so far, as sent (<a@b>).
func (s *Server) Recipients() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.recipients...)
}

// Take returns the messages received so far and forgets them.
func (s *Server) Take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.messages
	s.messages = nil
	return out
}

// Wait returns the first message, waiting for it at most within.
func (s *Server) Wait(t *testing.T, within time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(within); ; {
		if got := s.Messages(); len(got) > 0 {
			return got[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no e-mail within %s", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
