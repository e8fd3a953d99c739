package delivery

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"strings"
	"time"
)

// Email sends deliveries as e-mail over SMTP: a short text body and the
// referral as a JSON attachment-free body part, to the destination's
// address. STARTTLS is used whenever the server offers it.
type Email struct {
	Addr string // host:port of the SMTP server
	From string
	// Auth, when set, authenticates (e.g. smtp.PlainAuth).
	Auth smtp.Auth
	// RequireTLS refuses a server without STARTTLS.
	RequireTLS bool
	Timeout    time.Duration
}

// Send writes one referral: its JSON as the body.
func (m Email) Send(ctx context.Context, d Delivery) error {
	// SMTP lines end in CRLF: the JSON is written line by line.
	payload := bytes.ReplaceAll(d.Payload, []byte("\n"), []byte("\r\n"))
	return m.send(ctx, d.Target, "Vigie — nouvelle transmission "+d.CaseID, d.ID, []string{"Content-Type: application/json; charset=utf-8", "Content-Transfer-Encoding: 8bit"}, payload)
}

// SendText writes a plain-text message (an activation link, a notice).
func (m Email) SendText(ctx context.Context, to, subject, body string) error {
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	return m.send(ctx, to, subject, hex.EncodeToString(id), []string{"Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"}, []byte(text))
}

// SendMIME writes a message whose body is already MIME (a multipart
// abuse report): header holds its own lines ("Name: value", Content-Type
// and the like), body its CRLF-ended text. The header lines are the
// caller's, never a user's text.
func (m Email) SendMIME(ctx context.Context, to, subject string, header []string, body []byte) error {
	for _, h := range header {
		if strings.ContainsAny(h, "\r\n") || !strings.Contains(h, ": ") {
			return fmt.Errorf("e-mail delivery: bad header line %q", h)
		}
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	return m.send(ctx, to, subject, hex.EncodeToString(id), header, body)
}

func (m Email) send(ctx context.Context, to, subject, messageID string, header []string, body []byte) error {
	if m.Addr == "" || m.From == "" {
		return errors.New("e-mail delivery: no SMTP server configured (--smtp-addr, --smtp-from)")
	}
	if strings.ContainsAny(to, "\r\n") || !strings.Contains(to, "@") {
		return fmt.Errorf("e-mail delivery: bad address %q", to)
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	dialer := net.Dialer{Timeout: timeout}
	conn, err := dialer.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("e-mail delivery: %w", err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(m.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("e-mail delivery: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(nil); err != nil {
			return fmt.Errorf("e-mail delivery: starttls: %w", err)
		}
	} else if m.RequireTLS {
		return errors.New("e-mail delivery: the server offers no STARTTLS")
	}
	if m.Auth != nil {
		if err := c.Auth(m.Auth); err != nil {
			return fmt.Errorf("e-mail delivery: auth: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("e-mail delivery: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("e-mail delivery: %w", err)
	}
	wc, err := c.Data()
	if err != nil {
		return fmt.Errorf("e-mail delivery: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@vigie>\r\nDate: %s\r\nMIME-Version: 1.0\r\n",
		m.From, to, mime.QEncoding.Encode("utf-8", subject), messageID, time.Now().UTC().Format(time.RFC1123Z))
	for _, h := range header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	// A lone "." ends the message: the DATA writer dot-stuffs the body.
	b.Write(body)
	b.WriteString("\r\n")
	if _, err := wc.Write(b.Bytes()); err != nil {
		return fmt.Errorf("e-mail delivery: %w", err)
	}
	if err := wc.Close(); err != nil {
		return fmt.Errorf("e-mail delivery: %w", err)
	}
	return c.Quit()
}
