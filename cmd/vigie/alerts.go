package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/destination"
)

// onCallNotifier sends alerts to the on-call service through its channel:
// a signed webhook (the referrals' sender) or a plain-text e-mail.
type onCallNotifier struct {
	dest      destination.Destination
	webhook   delivery.Sender
	mail      delivery.Email
	publicURL string
}

// alertMessage is the webhook body of an alert.
type alertMessage struct {
	Type            string    `json:"type"`
	ID              int64     `json:"id"`
	Subject         string    `json:"subject"`
	Label           string    `json:"label"`
	LastHour        int       `json:"last_hour"`
	BaselinePerHour float64   `json:"baseline_per_hour"`
	TriggerAt       time.Time `json:"trigger_at"`
	RaisedAt        time.Time `json:"raised_at"`
	Link            string    `json:"link,omitempty"`
}

func (n onCallNotifier) Notify(ctx context.Context, a alert.Alert) error {
	link := ""
	if n.publicURL != "" {
		link = strings.TrimSuffix(n.publicURL, "/") + "/w/alerts"
	}
	switch n.dest.Channel.Type {
	case "webhook":
		body, err := json.Marshal(alertMessage{Type: "alert.raised", ID: a.ID, Subject: a.Subject, Label: a.Label, LastHour: a.LastHour,
			BaselinePerHour: a.Baseline, TriggerAt: a.TriggerAt, RaisedAt: a.RaisedAt, Link: link})
		if err != nil {
			return err
		}
		return n.webhook.Send(ctx, delivery.Delivery{ID: fmt.Sprintf("alert-%d", a.ID), Destination: n.dest.Code,
			Channel: "webhook", Target: n.dest.Channel.URL, Payload: body})
	case "email":
		// The label is an identifier reported by the public: no line
		// breaks reach the subject header.
		label := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, a.Label)
		text := fmt.Sprintf("Alerte Vigie n°%d : %s\n\n%d signalements dans la dernière heure, contre %.2f par heure en moyenne sur les sept jours d'avant.\nLe signalement qui a franchi le seuil est arrivé le %s (UTC) ; alerte levée le %s (UTC).\n",
			a.ID, label, a.LastHour, a.Baseline, a.TriggerAt.UTC().Format("2006-01-02 15:04:05"), a.RaisedAt.UTC().Format("2006-01-02 15:04:05"))
		if link != "" {
			text += "\nÀ voir dans l'espace des enquêteurs : " + link + "\n"
		}
		return n.mail.SendText(ctx, n.dest.Channel.To, "Vigie — alerte : "+label, text)
	}
	return fmt.Errorf("the on-call service %s is reached by %q, which cannot carry alerts (webhook or email)", n.dest.Code, n.dest.Channel.Type)
}
