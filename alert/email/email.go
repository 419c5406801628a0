// Package email delivers notices by SMTP (net/smtp): a bilingual plain-text
// message, with the CAP warning document attached when the notice carries
// it (the report to the city command, plan 4.4). The Message-ID is derived
// from the idempotency key so a mail system can drop a redelivery.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert/notify"
)

// Notifier sends through one SMTP server.
type Notifier struct {
	Addr     string // host:port
	From     string
	Username string // optional; PLAIN auth (net/smtp allows it only over TLS or to localhost)
	Password string
	// TLS is "" (STARTTLS when the server offers it; required with a
	// username on a non-loopback server), "implicit" (TLS from the first
	// byte, port 465) or "none" (a relay on loopback).
	TLS string
	// RootCAs verifies the server (nil: the system's).
	RootCAs *x509.CertPool
	Now     func() time.Time
}

var _ notify.Notifier = (*Notifier)(nil)

// Notify sends one delivery to the channel's address.
func (n *Notifier) Notify(ctx context.Context, d notify.Delivery) (bool, error) {
	if n.Addr == "" || n.From == "" {
		return false, errors.New("email: no SMTP server configured")
	}
	to := d.Channel.Target
	if strings.ContainsAny(to, "\r\n") || !strings.Contains(to, "@") {
		return false, fmt.Errorf("email: bad address %q", to)
	}
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	msg, err := Compose(n.From, to, d, now())
	if err != nil {
		return false, err
	}
	return n.send(ctx, to, msg)
}

func (n *Notifier) send(ctx context.Context, to string, msg []byte) (bool, error) {
	host, _, _ := net.SplitHostPort(n.Addr)
	tcfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, RootCAs: n.RootCAs}
	var conn net.Conn
	var err error
	if n.TLS == "implicit" {
		conn, err = (&tls.Dialer{Config: tcfg}).DialContext(ctx, "tcp", n.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", n.Addr)
	}
	if err != nil {
		return true, fmt.Errorf("email: dial %s: %w", n.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return true, fmt.Errorf("email: %w", err)
	}
	defer c.Close()
	if n.TLS == "" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tcfg); err != nil {
				return classify(err)
			}
		} else if n.Username != "" && !isLoopback(host) {
			// The password would cross the network in clear.
			return false, fmt.Errorf("email: %s offers no STARTTLS; refusing to send the SMTP password in clear (use publish.smtp.tls: implicit for port 465)", n.Addr)
		}
	}
	if n.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", n.Username, n.Password, host)); err != nil {
			return classify(err)
		}
	}
	if err := c.Mail(n.From); err != nil {
		return classify(err)
	}
	if err := c.Rcpt(to); err != nil {
		return classify(err)
	}
	w, err := c.Data()
	if err != nil {
		return classify(err)
	}
	if _, err := w.Write(msg); err != nil {
		return classify(err)
	}
	if err := w.Close(); err != nil {
		return classify(err)
	}
	c.Quit()
	return false, nil
}

// classify: SMTP 4xx replies and network errors may pass later, 5xx will not.
func classify(err error) (bool, error) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code < 500, fmt.Errorf("email: %w", err)
	}
	return true, fmt.Errorf("email: %w", err)
}

// Compose writes the RFC 5322 message of a delivery.
func Compose(from, to string, d notify.Delivery, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from)
	h("To", to)
	h("Subject", mime.BEncoding.Encode("UTF-8", notify.Title(d.Message)))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+strings.NewReplacer("/", ".", "@", ".").Replace(d.Key)+"@aqwarn>")
	h("MIME-Version", "1.0")
	if d.Redelivery {
		h("X-Aqwarn-Redelivery", "true")
	}
	text := []byte(notify.Text(d, false))
	if d.Message.CAP == "" {
		h("Content-Type", "text/plain; charset=UTF-8")
		h("Content-Transfer-Encoding", "base64")
		b.WriteString("\r\n")
		writeBase64(&b, text)
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	h("Content-Type", "multipart/mixed; boundary="+mw.Boundary())
	b.WriteString("\r\n")
	part, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=UTF-8"},
		"Content-Transfer-Encoding": {"base64"}})
	if err != nil {
		return nil, err
	}
	var pb bytes.Buffer
	writeBase64(&pb, text)
	part.Write(pb.Bytes())
	name := d.Message.CAPID
	if name == "" {
		name = "warning"
	}
	part, err = mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/cap+xml; charset=UTF-8"},
		"Content-Transfer-Encoding": {"base64"},
		"Content-Disposition":       {`attachment; filename="` + name + `.cap.xml"`}})
	if err != nil {
		return nil, err
	}
	pb.Reset()
	writeBase64(&pb, []byte(d.Message.CAP))
	part.Write(pb.Bytes())
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeBase64 writes lines of 76 characters.
func writeBase64(b *bytes.Buffer, p []byte) {
	s := base64.StdEncoding.EncodeToString(p)
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
