package delivery_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/vigie-platform/vigie/delivery"
)

// fakeSMTP accepts one message per connection and keeps what it got.
type fakeSMTP struct {
	mu       sync.Mutex
	rcpt     []string
	messages []string
	refuse   bool
}

func (f *fakeSMTP) serve(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go f.session(conn)
		}
	}()
	return ln.Addr().String()
}

func (f *fakeSMTP) session(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(s string) { conn.Write([]byte(s + "\r\n")) }
	say("220 fake ESMTP")
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
				f.mu.Lock()
				f.messages = append(f.messages, data.String())
				f.mu.Unlock()
				say("250 queued")
				continue
			}
			data.WriteString(line)
			continue
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 fake")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO"):
			if f.refuse {
				say("550 no such user")
				continue
			}
			f.mu.Lock()
			f.rcpt = append(f.rcpt, strings.TrimSpace(line[len("RCPT TO:"):]))
			f.mu.Unlock()
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

func TestEmailDelivery(t *testing.T) {
	f := &fakeSMTP{}
	addr := f.serve(t)
	m := delivery.Email{Addr: addr, From: "vigie@plateforme.example"}
	payload := []byte("{\n \"type\": \"referral.created\",\n \"case\": {\"title\": \".\"}\n}")
	if err := m.Send(context.Background(), delivery.Delivery{ID: "msg_1", CaseID: "c1", Target: "fraude@ofac.example", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.messages) != 1 || len(f.rcpt) != 1 || f.rcpt[0] != "<fraude@ofac.example>" {
		t.Fatalf("messages %d, rcpt %v", len(f.messages), f.rcpt)
	}
	msg := f.messages[0]
	for _, want := range []string{"To: fraude@ofac.example", "Content-Type: application/json", "\"type\": \"referral.created\""} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	for _, bad := range []delivery.Delivery{{Target: "x@y\r\nBcc: z@w"}, {Target: "nobody"}} {
		if err := m.Send(context.Background(), bad); err == nil {
			t.Errorf("address %q accepted", bad.Target)
		}
	}
	f.refuse = true
	if err := m.Send(context.Background(), delivery.Delivery{ID: "msg_2", Target: "gone@ofac.example", Payload: []byte("{}")}); err == nil {
		t.Error("a refused recipient counted as delivered")
	}
	if err := (delivery.Email{}).Send(context.Background(), delivery.Delivery{Target: "a@b"}); err == nil {
		t.Error("sent without a server")
	}
}
