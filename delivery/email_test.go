package delivery_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/delivery/smtptest"
)

func TestEmailDelivery(t *testing.T) {
	f := smtptest.Start(t)
	m := delivery.Email{Addr: f.Addr, From: "vigie@plateforme.example"}
	payload := []byte("{\n \"type\": \"referral.created\",\n \"case\": {\"title\": \".\"}\n}")
	if err := m.Send(context.Background(), delivery.Delivery{ID: "msg_1", CaseID: "c1", Target: "fraude@ofac.example", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	messages, rcpt := f.Messages(), f.Recipients()
	if len(messages) != 1 || len(rcpt) != 1 || rcpt[0] != "<fraude@ofac.example>" {
		t.Fatalf("messages %d, rcpt %v", len(messages), rcpt)
	}
	msg := messages[0]
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
	f.SetRefuse(true)
	if err := m.Send(context.Background(), delivery.Delivery{ID: "msg_2", Target: "gone@ofac.example", Payload: []byte("{}")}); err == nil {
		t.Error("a refused recipient counted as delivered")
	}
	if err := (delivery.Email{}).Send(context.Background(), delivery.Delivery{Target: "a@b"}); err == nil {
		t.Error("sent without a server")
	}
}
